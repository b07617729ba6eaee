#!/usr/bin/env python3
"""ikesteer's side of the member agent protocol, for agent_daemon.sh (health/agent_command.hpp,
health/agent_report.hpp): send a signed command and print the agent's reply, page through a
listing, resend a saved datagram, or catch one report. Every wait is bounded by --wait.

  agent_protocol.py command --to ADDR:PORT --key HEX --member NAME
                            (--list [--after ID] | --move ID GATEWAY)
                            [--seq N] [--time-offset S] [--unsigned] [--save FILE]
  agent_protocol.py list-all --to ADDR:PORT --key HEX --member NAME
  agent_protocol.py resend FILE --to ADDR:PORT --key HEX
  agent_protocol.py report --listen ADDR:PORT [--key HEX]

command and resend print the reply (its MAC checked) and exit 0, or exit 3 when none comes.
list-all prints "pages=<n> sessions=<total>" and then one "<id> <peer> <identity>" per session.
report prints the first report that arrives (its MAC checked when --key is given).
"""
import argparse
import hashlib
import hmac
import socket
import sys
import time
import urllib.parse

NO_REPLY = 3
seq_base = int(time.time() * 1_000_000)


def endpoint(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def sign(line, key):
    mac = hmac.new(bytes.fromhex(key), line.encode(), hashlib.sha256).hexdigest()
    return f"{line} mac={mac}"


def command_line(args, member, after=None, seq=None):
    global seq_base
    seq_base += 1
    now = int(time.time()) + args.time_offset
    line = (f"IKESTEER-COMMAND/1 member={member} seq={seq if seq is not None else seq_base} "
            f"time={now}")
    if getattr(args, "move", None):
        line += f" command=move session={args.move[0]} gateway={args.move[1]}"
    else:
        line += " command=list"
        if after is not None:
            line += f" after={after}"
    return line


def exchange(datagram, to, wait):
    host, port = endpoint(to)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(wait)
        s.sendto(datagram, (host, port))
        try:
            reply, _ = s.recvfrom(65536)
        except socket.timeout:
            return None
    return reply


def check_reply(reply, key):
    """The reply as text; exits 1 if its MAC is wrong."""
    text = reply.decode("ascii")
    cut = text.rfind("\nmac=") + 1
    mac = text[cut + 4:].rstrip("\n")
    expected = hmac.new(bytes.fromhex(key), reply[:cut], hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected):
        sys.exit(f"reply with a wrong MAC: {text!r}")
    return text


def fields(line):
    return dict(token.split("=", 1) for token in line.split(" ")[1:])


def run_command(args):
    line = command_line(args, args.member, args.after, args.seq)
    datagram = (line if args.unsigned else sign(line, args.key)).encode()
    if args.save:
        with open(args.save, "wb") as f:
            f.write(datagram)
    reply = exchange(datagram, args.to, args.wait)
    if reply is None:
        print("no reply")
        return NO_REPLY
    print(check_reply(reply, args.key), end="")
    return 0


def run_resend(args):
    with open(args.file, "rb") as f:
        reply = exchange(f.read(), args.to, args.wait)
    if reply is None:
        print("no reply")
        return NO_REPLY
    print(check_reply(reply, args.key), end="")
    return 0


def run_list_all(args):
    after, pages, sessions, total = None, 0, [], None
    while True:
        line = sign(command_line(args, args.member, after), args.key)
        reply = exchange(line.encode(), args.to, args.wait)
        if reply is None:
            sys.exit("no reply to a list command")
        lines = check_reply(reply, args.key).rstrip("\n").split("\n")
        head = fields(lines[0])
        if head.get("result") != "ok":
            sys.exit(f"list refused or failed: {lines[0]}")
        total = int(head["sessions"])
        page = [fields(l) for l in lines[1:-1]]
        sessions += page
        pages += 1
        if head.get("more") != "1":
            break
        if not page or pages > 1000:
            sys.exit("more=1 on a page without sessions, or endless paging")
        after = page[-1]["id"]
    print(f"pages={pages} sessions={total}")
    for s in sessions:
        print(s["id"], s["peer"], urllib.parse.unquote(s["identity"]))
    return 0


def run_report(args):
    host, port = endpoint(args.listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.settimeout(args.wait)
        try:
            report, _ = s.recvfrom(65536)
        except socket.timeout:
            print("no report")
            return NO_REPLY
    text = report.decode("ascii")
    if args.key:
        signed, _, mac = text.rpartition(" mac=")
        expected = hmac.new(bytes.fromhex(args.key), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            sys.exit(f"report with a wrong MAC: {text!r}")
    print(text)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    for name in ("command", "list-all", "resend", "report"):
        p = sub.add_parser(name)
        p.add_argument("--wait", type=float, default=5.0, help="seconds to wait for an answer")
        p.add_argument("--key", required=name != "report")
        if name == "report":
            p.add_argument("--listen", required=True)
            continue
        p.add_argument("--to", required=True)
        if name == "resend":
            p.add_argument("file")
            continue
        p.add_argument("--member", required=True)
        p.add_argument("--time-offset", type=int, default=0)
        if name == "command":
            p.add_argument("--list", action="store_true")
            p.add_argument("--move", nargs=2, metavar=("SESSION", "GATEWAY"))
            p.add_argument("--after")
            p.add_argument("--seq", type=int)
            p.add_argument("--unsigned", action="store_true")
            p.add_argument("--save")
    args = parser.parse_args()
    run = {"command": run_command, "list-all": run_list_all, "resend": run_resend,
           "report": run_report}[args.what]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
