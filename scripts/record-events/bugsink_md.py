"""Renders each recorded event's stacktrace_md with Bugsink's own code, so
the fake's port (pkg/bugsink/bugsinktest/markdown.go) can be compared with
it character for character. Django and the database are stubbed out: only
render_stacktrace_md and the functions it calls run, without source maps
(apply_sourcemaps needs uploaded files). Writes EVENTSDIR/<name>.stacktrace.md,
and EVENTSDIR/<name>.issue.json with the calculated_type and calculated_value
Bugsink derives from the event at digest (the issue's title fields).

    /usr/bin/python3 bugsink_md.py BUGSINK_CHECKOUT EVENTSDIR
"""

import glob
import json
import os
import sys
import types

checkout, events_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, checkout)


def stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


stub("django")
stub("django.utils")
stub("django.utils.encoding", force_str=str, smart_str=str)
stub("django.template")
stub("django.utils.dateparse", parse_datetime=None)
stub("django.template.defaultfilters", truncatechars=lambda s, n: s if len(s) <= n else s[: n - 1] + "…")
stub("django.conf", settings=types.SimpleNamespace(DEBUG=False, I_AM_RUNNING="TEST"))
stub("sentry_sdk_extensions", capture_or_log_exception=lambda e, logger: None)
stub("ecma426")
stub("bugsink")
stub("bugsink.transaction", delay_on_commit=lambda *a, **k: None)
stub("bugsink.utils", assert_=lambda c: None)
stub("files")
stub("files.models", get_file_metadata_for_debug_ids=lambda *a: {})
stub("files.tasks", record_file_accesses=None)

from issues.utils import get_title_for_exception_type_and_value, get_type_and_value_for_data  # noqa: E402
from events.markdown_stacktrace import render_stacktrace_md  # noqa: E402


class Event:
    def __init__(self, data):
        self.data = data
        self.platform = data.get("platform")
        self.project = None
        self.calculated_type, self.calculated_value = get_type_and_value_for_data(data)

    def get_parsed_data(self):
        return json.loads(json.dumps(self.data))

    def title(self):
        return get_title_for_exception_type_and_value(self.calculated_type, self.calculated_value)


for path in sorted(glob.glob(os.path.join(events_dir, "*.json"))):
    if path.endswith(".issue.json"):
        continue
    with open(path) as f:
        data = json.load(f)
    event = Event(data)
    md = render_stacktrace_md(event, in_app_only=False, include_locals=True)
    with open(path[: -len(".json")] + ".stacktrace.md", "w") as f:
        f.write(md)
    with open(path[: -len(".json")] + ".issue.json", "w") as f:
        json.dump({"calculated_type": event.calculated_type, "calculated_value": event.calculated_value}, f, indent=1)
        f.write("\n")
    print(os.path.basename(path))
