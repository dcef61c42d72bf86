// Records real Sentry events from @sentry/node as test data for bsync's
// renderer. The SDK sends to a DSN on 127.0.0.1, where a listener in this
// same process takes each envelope apart and writes the event to
// OUTDIR/<prefix>-<name>.json. Nothing leaves the machine.
//
//   node record_node.js OUTDIR PREFIX   (run with NODE_PATH naming the SDK)
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const zlib = require('zlib');

const [outDir, prefix] = process.argv.slice(2);
const events = [];
let waiting = null;

const listener = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
    if (req.url.includes('/store/')) {
      // SDKs before 7 post the bare event to the store endpoint.
      events.push(JSON.parse(body.toString('utf8')));
      if (waiting) waiting();
    }
    const lines = req.url.includes('/envelope/') ? body.toString('utf8').split('\n') : [];
    for (let i = 1; i + 1 < lines.length; i += 2) {
      const item = JSON.parse(lines[i]);
      if (item.type === 'event') {
        events.push(JSON.parse(lines[i + 1]));
        if (waiting) waiting();
      }
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
});

function nextEvent() {
  if (events.length) return Promise.resolve(events.shift());
  return new Promise(resolve => { waiting = () => { waiting = null; resolve(events.shift()); }; });
}

async function record(name) {
  const ev = await nextEvent();
  fs.writeFileSync(path.join(outDir, `${prefix}-${name}.json`), JSON.stringify(ev, null, 1) + '\n');
}

listener.listen(0, '127.0.0.1', async () => {
  const port = listener.address().port;
  const Sentry = require('@sentry/node');
  const major = parseInt(Sentry.SDK_VERSION, 10);
  Sentry.init({
    dsn: `http://0123456789abcdef0123456789abcdef@127.0.0.1:${port}/1`,
    release: 'shop-frontend@2.7.0',
    environment: 'production',
    serverName: 'ssr-1',
    sendDefaultPii: true, // the worst case: headers, cookies and bodies are sent
    tracesSampleRate: 0,
    attachStacktrace: true,
  });
  const cart = require('./bundle/main.3f2a9c.js');

  // 1. A TypeError thrown in minified code that carries a debug id (as code
  //    built with Sentry's bundler plugins does), caught in an HTTP request
  //    with secrets in the headers, cookies, body and query string.
  const server = http.createServer((req, res) => {
    const handle = () => {
      // The request body arrives in later callbacks, outside the request's
      // async context: capture in the request's own isolation scope, as the
      // SDK's framework integrations do.
      const scope = major >= 8 ? Sentry.getIsolationScope() : null;
      const hub = major < 8 ? Sentry.getCurrentHub() : null;
      let body = '';
      req.on('data', c => { body += c; });
      req.on('end', () => {
        try {
          cart.renderCart(JSON.parse(body));
        } catch (err) {
          if (scope) Sentry.withIsolationScope(scope, () => Sentry.captureException(err));
          else hub.captureException(err);
        }
        res.end('error');
      });
    };
    if (major < 8) {
      Sentry.Handlers.requestHandler()(req, res, handle);
    } else {
      handle();
    }
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  await new Promise((resolve, reject) => {
    const payload = JSON.stringify({ items: 'not-a-list', card_number: '4111111111111111', password: 'BODYSECRET123' });
    const req = http.request({
      host: '127.0.0.1', port: server.address().port, method: 'POST',
      path: '/api/cart/render?coupon=SPRING&access_token=QUERYSECRET123',
      headers: {
        'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload),
        Authorization: 'Bearer HEADERSECRET123', Cookie: 'sessionid=COOKIESECRET123; theme=dark',
        'X-Api-Key': 'APIKEYSECRET123', Host: 'shop.example.com',
      },
    }, res => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(payload);
  });
  server.close();
  await record('request-minified');

  // 2. An error with a cause (Error.cause, the JavaScript chain).
  function loadFeed(url) {
    try {
      JSON.parse('{"items": [');
    } catch (e) {
      throw new Error(`feed ${url} could not be read`, { cause: e });
    }
  }
  try { loadFeed('https://feeds.example.com/weekly'); } catch (e) { Sentry.captureException(e); }
  await record('error-cause');

  // 3. An AggregateError: an exception group.
  try {
    throw new AggregateError([new RangeError('price out of range: -3'), new TypeError('sku is undefined')], 'cart validation failed');
  } catch (e) { Sentry.captureException(e); }
  await record('aggregate-error');

  // 4. A rejected promise with a plain object: a synthetic exception.
  function checkFeed() { return Promise.reject({ code: 'E_FEED_DOWN', message: 'feed is down', retry: 3 }); }
  checkFeed();
  await record('unhandled-rejection-object');

  // 5. captureMessage with attachStacktrace.
  function nightlyReport() { Sentry.captureMessage('nightly report skipped: no data for 2026-11-28', 'warning'); }
  nightlyReport();
  await record('capture-message');

  await Sentry.close(2000);
  listener.close();
});
