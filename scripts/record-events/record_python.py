"""Records real Sentry events from the Python SDK (Debian's python3-sentry-sdk)
as test data for bsync's renderer.

Nothing leaves the machine: the SDK is given a function as its transport, which
receives each event exactly as the SDK would send it. Each event is written to
OUTDIR/<name>.json.

    /usr/bin/python3 record_python.py OUTDIR
"""

import io
import json
import logging
import os
import sys
import threading
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

import sentry_sdk
from sentry_sdk.integrations._wsgi_common import RequestExtractor
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

OUT = sys.argv[1]
captured = []


def transport(event):
    captured.append(event)


def record(name):

    if not captured:
        raise SystemExit("no event captured for " + name)
    event = captured.pop()
    captured.clear()
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(event, f, indent=1, sort_keys=True, default=str)
        f.write("\n")


sentry_sdk.init(
    dsn="http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1",
    transport=transport,
    release="shop-backend@1.4.2",
    environment="production",
    server_name="web-1",
    send_default_pii=True,  # the worst case: headers, cookies and bodies are sent
    request_bodies="always",
    auto_session_tracking=False,
)


# --- application code -------------------------------------------------------

PRICES = {"apple": "1.20"}


def parse_price(item):
    raw = PRICES[item]
    return int(raw)


def price_of(item):
    try:
        return parse_price(item)
    except KeyError as e:
        raise LookupError("no price for %r" % item) from e


def checkout(item):
    try:
        return parse_price(item)
    except KeyError:
        # a bug in the error handling: the original KeyError becomes the
        # implicit __context__ of this one
        return undefined_helper(item)  # noqa: F821


def validate_all(items):
    errors = []
    for item in items:
        try:
            parse_price(item)
        except (KeyError, ValueError) as e:
            errors.append(e)
    if errors:
        raise ExceptionGroup("cart validation failed", errors)


class _Extractor(RequestExtractor):
    """Lets the SDK's own request extractor read a plain WSGI environ (the SDK's
    framework integrations do the same for Flask, Django, …)."""

    def env(self):
        return self.request

    def cookies(self):
        c = SimpleCookie(self.request.get("HTTP_COOKIE", ""))
        return {k: v.value for k, v in c.items()}

    def raw_data(self):
        return self.request["_body"]

    def form(self):
        if self.request.get("CONTENT_TYPE") == "application/x-www-form-urlencoded":
            return dict(parse_qsl(self.request["_body"].decode()))
        return {}

    def files(self):
        return {}

    def size_of_file(self, file):
        return 0


def app(environ, start_response):
    def add_body(event, hint):
        _Extractor(environ).extract_into_event(event)
        return event

    sentry_sdk.Hub.current.scope.add_event_processor(add_body)
    password = "hunter2-local"  # a local variable: Python frames carry vars
    body = json.loads(environ["_body"])
    price = parse_price(body["item"])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(price).encode()]


def request(environ_extra, body):
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/cart/checkout",
        "QUERY_STRING": "coupon=SPRING&access_token=QUERYSECRET123",
        "SERVER_NAME": "shop.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "shop.example.com",
        "HTTP_AUTHORIZATION": "Bearer HEADERSECRET123",
        "HTTP_COOKIE": "sessionid=COOKIESECRET123; theme=dark",
        "HTTP_X_API_KEY": "APIKEYSECRET123",
        "HTTP_USER_AGENT": "Mozilla/5.0",
        "REMOTE_ADDR": "203.0.113.7",
        "_body": body,
    }
    environ.update(environ_extra)
    wrapped = SentryWsgiMiddleware(app)
    try:
        wrapped(environ, lambda *a: None)
    except Exception:
        pass


# --- the events ---------------------------------------------------------------

# 1. A plain exception inside a request, with secrets in the headers, cookies,
#    body and query string, and in a frame's local variables.
request({}, json.dumps({"item": "apple", "card_number": "4111111111111111", "password": "BODYSECRET123"}).encode())
record("python-request-plain")

# 2. An explicit chain: raise ... from e.
try:
    price_of("pear")
except Exception:
    sentry_sdk.capture_exception()
record("python-chained-explicit")

# 3. An implicit chain: an exception while handling another (__context__).
try:
    checkout("pear")
except Exception:
    sentry_sdk.capture_exception()
record("python-chained-implicit")

# 4. An exception group (Python 3.11).
try:
    validate_all(["pear", "apple"])
except Exception:
    sentry_sdk.capture_exception()
record("python-exception-group")

# 5. An uncaught exception in a thread (the threading integration reports it).
t = threading.Thread(target=parse_price, args=("plum",), name="price-refresher")
t.start()
t.join()
record("python-thread")

# 6. logger.error with attach_stacktrace: the stack goes under "threads".
sentry_sdk.init(
    dsn="http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1",
    transport=transport,
    release="shop-backend@1.4.2",
    environment="production",
    server_name="web-1",
    attach_stacktrace=True,
)
log = logging.getLogger("shop.cart")


def reconcile(order_id):
    log.error("order %s could not be reconciled: %d items missing", order_id, 3)


reconcile("A-1001")
record("python-logging-attach-stacktrace")

# 7. capture_message with attach_stacktrace.
def nightly_report():
    sentry_sdk.capture_message("nightly report skipped: no data for 2026-11-28", level="warning")


nightly_report()
record("python-capture-message")


# 8. Credentials by their shape, with no name beside them: a Stripe live key
#    among a logged message's arguments (the SDK sends them apart from the
#    unformatted message) and a GitHub token in an exception's value. The keys
#    are fakes built to the formats' shapes.
FAKE_STRIPE_KEY = "sk_live_51EXAMPLEdoNotUseFAKEKEY00000000"
FAKE_GITHUB_TOKEN = "ghp_EXAMPLEdoNotUseFAKEToken000000000000"
billing_log = logging.getLogger("shop.billing")


def charge(customer, api_key):
    billing_log.error("stripe charge for %s failed (key %s)", customer, api_key)


charge("cus_EXAMPLE42", FAKE_STRIPE_KEY)
record("python-logging-secret-args")


def publish_release(token):
    raise PermissionError("GitHub refused %s for shop/infra: 401 Bad credentials" % token)


try:
    publish_release(FAKE_GITHUB_TOKEN)
except Exception:
    sentry_sdk.capture_exception()
record("python-exception-secret-value")
