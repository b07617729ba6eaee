#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_agent_command: agent commands and replies, signed here with
the fuzz key independently of the C++ encoder, and broken variants. Run from anywhere; files go
to corpus/agent_command/ next to this script."""
import hashlib
import hmac
import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "agent_command"
KEY = b"fuzz-agent-key-0"


def mac(signed):
    return hmac.new(KEY, signed.encode(), hashlib.sha256).hexdigest()


def command(body):
    return f"{body} mac={mac(body)}"


def reply(*lines):
    signed = "".join(line + "\n" for line in lines)
    return f"{signed}mac={mac(signed)}"


HEAD = "IKESTEER-COMMAND/1 member=gw-1 seq=1700000000123456 time=1700000000"
REPLY = "IKESTEER-REPLY/1 member=gw-1 seq=1700000000123456 time=1700000001"
SEEDS = {
    "list": command(f"{HEAD} command=list"),
    "list_after": command(f"{HEAD} command=list after=9") + "\n",
    "move_v4": command(f"{HEAD} command=move session=17 gateway=198.51.100.12"),
    "move_v6": command(f"{HEAD} gateway=2001:db8::12 session=a-Z_0.9:#[] command=move"),
    "move_dns": command(f"{HEAD} command=move session=4294967295 gateway=gw2.vpn.example"),
    "list_with_session": command(f"{HEAD} command=list session=1"),
    "move_without_gateway": command(f"{HEAD} command=move session=17"),
    "command_bad_mac": f"{HEAD} command=list mac=" + "0" * 64,
    "reply_list": reply(
        f"{REPLY} result=ok sessions=3 more=0",
        "session id=10 peer=203.0.113.5 identity=alice@example.org",
        "session id=100 peer=2001:db8::7 identity=C=CH,%20O=example,%20CN=bob",
    ),
    "reply_list_local": reply(
        f"{REPLY} result=ok sessions=2 more=0",
        "session id=10 peer=203.0.113.5 local=198.51.100.21 identity=alice@example.org",
        "session id=11 identity=bob local=2001:db8::21 peer=2001:db8::7",
    ),
    "reply_list_more": reply(
        f"{REPLY} result=ok sessions=300 more=1",
        "session id=9 peer=::ffff:192.0.2.1 identity=",
        "session id=10 peer=192.0.2.2 identity=%C3%A9%00%FF",
    )
    + "\n",
    "reply_list_duplicate_ids": reply(
        f"{REPLY} result=ok sessions=2 more=0",
        "session id=1 peer=192.0.2.1 identity=a",
        "session id=1 peer=192.0.2.1 identity=b",
    ),
    "reply_moved": reply(f"{REPLY} result=ok"),
    "reply_failed": reply(f"{REPLY} result=failed reason=unknown_session"),
    "reply_refused": reply(f"{REPLY} result=refused reason=replayed"),
    "reply_session_after_mac": reply(f"{REPLY} result=ok")
    + "\nsession id=1 peer=192.0.2.1 identity=a",
    "reply_bad_escape": reply(f"{REPLY} result=ok", "session id=1 peer=192.0.2.1 identity=%2g"),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in SEEDS.items():
        (OUT / name).write_bytes(text.encode())


if __name__ == "__main__":
    main()
