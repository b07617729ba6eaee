#!/usr/bin/python3
"""Drives headless Chromium over the DevTools protocol through ikesteer's dashboard.

Loads the page, waits until the member table shows every expected member as up and the page is
live, then for each --step runs its command and waits until the page shows that member in the
expected state, without a reload (a marker set in the page must survive, and the navigation
count must not grow). Then, with EventSource taken away, the page must poll and show the
same. Every request the page makes must go to the page's own origin, and the
page must throw no exception and log no error (a Content-Security-Policy violation is one).
Screenshots: one when all members are up (--before), one at the end (--after).
With --pools/--pools-after it checks the pool table too. With --cluster it checks only the
header's cluster line instead: TEXT, then TEXT2 after COMMAND, without a reload, and the same
origin and console rules.

Usage: dashboard_browser.py --chromium PATH --url URL --members m1,m2,m3 --work DIR
           --before PNG --after PNG [--step MEMBER=STATE COMMAND]...
           [--pools POOL=N of M,... --pools-after POOL=N of M,...]
       dashboard_browser.py --url URL --work DIR --after PNG --cluster TEXT
           --cluster-after COMMAND TEXT2
Exit status: 0 passed, 1 failed, 77 the browser could not be started.
"""

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

try:
    import websocket  # Debian: python3-websocket
except ImportError:
    print("SKIP: python3-websocket is not installed", file=sys.stderr)
    sys.exit(77)


def log(message):
    print(f"[browser] {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    pass


class DevTools:
    """One page target: commands by id, events kept for inspection."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise Failure(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise Failure(f"evaluating {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout):
        """Until the expression is true; errors (a page still loading) count as not yet."""
        deadline = time.monotonic() + timeout
        error = ""
        while time.monotonic() < deadline:
            try:
                if self.evaluate(expression):
                    return
            except Failure as e:
                error = f" (last error: {e})"
            time.sleep(0.1)
        raise Failure(f"timed out after {timeout} s waiting for {what}{error}")

    def screenshot(self, path):
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", clip=clip,
                         captureBeyondViewport=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        log(f"screenshot: {path}")


def start_chromium(chromium, work):
    profile = os.path.join(work, "chromium-profile")
    os.makedirs(profile, exist_ok=True)
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps", "--mute-audio",
            "--hide-scrollbars", "--window-size=1500,1000", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"]
    out = open(os.path.join(work, "chromium.log"), "wb")
    # Its own process group, so that its zygote and renderers go with it.
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OSError(f"chromium exited with {process.returncode} (see chromium.log)")
        try:
            with open(port_file) as f:
                port = int(f.readline())
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                return process, pages[0]["webSocketDebuggerUrl"]
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    process.kill()
    raise OSError("chromium did not open its DevTools port within 30 s")


def member_state(member):
    selector = json.dumps(f'#members tr[data-member="{member}"] .state')
    return f"(document.querySelector({selector}) || {{}}).textContent"


def pools_shown(spec):
    """A JS expression: the pool table shows, for each "pool=eligible of members" in spec (comma
    separated), that row's eligible-members cell, and the first pool has had redirects."""
    rows = [item.split("=", 1) for item in spec.split(",")]
    checks = [f"document.querySelectorAll('#pools tr[data-pool]').length === {len(rows)}"]
    for pool, eligible in rows:
        row = f"document.querySelector({json.dumps(f'#pools tr[data-pool={json.dumps(pool)}]')})"
        checks.append(f"({row} || {{cells: [0, {{}}]}}).cells[1].textContent === "
                      f"{json.dumps(eligible)}")
    first = json.dumps(f'#pools tr[data-pool={json.dumps(rows[0][0])}]')
    checks.append(f"Number((document.querySelector({first}) || {{cells: [0, 0, {{}}]}})"
                  ".cells[2].textContent) > 0")
    return " && ".join(checks)


def check_clean(tools, origin):
    """Nothing but the page's own origin, no exceptions, no errors in the console."""
    problems = []
    for event in tools.events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(origin + "/"):
                problems.append(f"request to another origin: {url}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params['exceptionDetails']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            problems.append(f"console error: {params['entry'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            problems.append(f"console.error: {params.get('args')}")
    if problems:
        raise Failure("; ".join(problems))
    requests = sum(1 for e in tools.events if e["method"] == "Network.requestWillBeSent")
    log(f"{requests} requests, all to {origin}; no exceptions, no console errors")


def run_cluster(args, tools):
    """--cluster: the header's cluster line shows the expected text, then, after the command
    (etcd stopped), the other, without a reload."""
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(args.url))
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.call(f"{domain}.enable")
    tools.call("Page.navigate", url=args.url)
    line = "(document.getElementById('cluster') || {}).textContent || ''"
    tools.wait_for(f"({line}).includes({json.dumps(args.cluster)})",
                   f"the cluster line to show {args.cluster!r}", 20)
    log(f"the cluster line: {tools.evaluate(line)}")
    tools.evaluate("window.__ikesteerTest = 'same page'")
    command, expected = args.cluster_after
    log(f"{command}")
    subprocess.run(command, shell=True, check=True)
    tools.wait_for(f"({line}).includes({json.dumps(expected)})",
                   f"the cluster line to show {expected!r}", 20)
    if tools.evaluate("window.__ikesteerTest") != "same page":
        raise Failure("the page was reloaded")
    log(f"then, without a reload: {tools.evaluate(line)}")
    tools.screenshot(args.after)
    check_clean(tools, origin)


def run(args, tools):
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(args.url))
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.call(f"{domain}.enable")
    tools.call("Page.navigate", url=args.url)
    members = args.members.split(",")

    # Every member in the table, up, and the stream live.
    all_up = " && ".join(f"{member_state(m)} === 'up'" for m in members)
    tools.wait_for(f"document.querySelectorAll('#members tr[data-member]').length === "
                   f"{len(members)} && {all_up}", f"members {args.members} shown up", 20)
    tools.wait_for("(document.getElementById('conn') || {}).textContent === 'live'",
                   "the event stream to be live", 10)
    log(f"the member table shows {args.members}, all up; the stream is live")
    if args.pools:
        tools.wait_for(pools_shown(args.pools), f"pools shown as {args.pools}", 10)
        log(f"the pool table shows {args.pools} eligible, redirects in the first")
    tools.wait_for("document.querySelectorAll('#events tr[data-event]').length > 0",
                   "events in the timeline", 10)
    tools.wait_for("document.querySelectorAll('#c-redirects path.l')[0]"
                   ".getAttribute('d').length > 0", "a point in the redirects chart", 10)
    tools.screenshot(args.before)

    # From here on the page must not reload: a marker in its window must survive.
    tools.evaluate("window.__ikesteerTest = 'same page'")
    for target, command in args.step:
        member, state = target.split("=", 1)
        log(f"{member} should become {state}: {command}")
        subprocess.run(command, shell=True, check=True)
        tools.wait_for(f"{member_state(member)} === {json.dumps(state)}",
                       f"{member} shown {state}", 15)
        subject = json.dumps(member)
        tools.wait_for("[...document.querySelectorAll('#events tr[data-event]')].some(r => "
                       f"r.cells[2].textContent === {subject} && "
                       f"r.cells[3].textContent.includes({json.dumps(state)}))",
                       f"an event about {member} becoming {state}", 10)
        reason = tools.evaluate(f"document.querySelector('#members tr[data-member="
                                f"{json.dumps(member)}] .reason').textContent")
        log(f"the page shows {member} {state} (why: {reason}) and the event, without a reload")
    if args.pools_after:
        tools.wait_for(pools_shown(args.pools_after), f"pools shown as {args.pools_after}", 10)
        log(f"the pool table shows {args.pools_after} eligible, without a reload")
    if tools.evaluate("window.__ikesteerTest") != "same page":
        raise Failure("the page was reloaded")
    history = tools.call("Page.getNavigationHistory")
    if len(history["entries"]) != 2:  # about:blank, the dashboard
        raise Failure(f"navigations: {[e['url'] for e in history['entries']]}")
    time.sleep(1.5)  # one more update, so the screenshot shows the charts moved on
    tools.screenshot(args.after)

    # Without EventSource the page polls, and shows the same.
    tools.call("Page.addScriptToEvaluateOnNewDocument", source="delete window.EventSource")
    tools.call("Page.navigate", url=args.url)
    tools.wait_for("(document.getElementById('conn') || {}).textContent === 'polling' && " +
                   " && ".join(f"{member_state(m.split('=')[0])} === "
                               f"{json.dumps(m.split('=')[1])}" for m, _ in args.step),
                   "the polling page to show the same states", 10)
    log("without EventSource the page polls and shows the same states")

    check_clean(tools, origin)

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--url", required=True)
    parser.add_argument("--members")
    parser.add_argument("--work", required=True)
    parser.add_argument("--before")
    parser.add_argument("--after", required=True)
    parser.add_argument("--step", nargs=2, action="append", default=[],
                        metavar=("MEMBER=STATE", "COMMAND"))
    parser.add_argument("--pools", metavar="POOL=ELIGIBLE of MEMBERS,...",
                        help="the pool table once every member is up")
    parser.add_argument("--pools-after", metavar="POOL=ELIGIBLE of MEMBERS,...",
                        help="the pool table after the steps")
    parser.add_argument("--cluster", metavar="TEXT",
                        help="instead: check the cluster line shows TEXT, then TEXT2 after "
                        "COMMAND (--cluster-after)")
    parser.add_argument("--cluster-after", nargs=2, metavar=("COMMAND", "TEXT2"))
    args = parser.parse_args()
    if args.cluster is None and not (args.members and args.before):
        parser.error("--members and --before are needed without --cluster")
    if args.cluster is not None and not args.cluster_after:
        parser.error("--cluster needs --cluster-after")
    try:
        process, ws_url = start_chromium(args.chromium, args.work)
    except OSError as e:
        print(f"SKIP: cannot start {args.chromium}: {e}", file=sys.stderr)
        return 77
    tools = None
    try:
        tools = DevTools(ws_url)
        if args.cluster is not None:
            run_cluster(args, tools)
        else:
            run(args, tools)
        return 0
    except (Failure, subprocess.CalledProcessError, websocket.WebSocketException) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        if tools is not None:
            try:
                tools.screenshot(args.after)  # what the page showed when it failed
            except (Failure, websocket.WebSocketException, OSError):
                pass
        return 1
    finally:
        stop(process)


def stop(process):
    """SIGTERM to chromium's process group, then SIGKILL to whatever of it is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

if __name__ == "__main__":
    sys.exit(main())
