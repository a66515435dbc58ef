"""wrk Lua scripts written per run: the data each request needs (tokens, sessions) goes in
as Lua tables, and every script counts the answers that are not what a working site gives
(`bad`), printed by done() as "BAD <n>" and added to the scenario's errors: wrk by itself
counts a 302 to the login page as a success."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from urllib.parse import urlencode

from bench.actors import CSRF_SECRET, Actor

# Shared by every script: each thread gets a number (tid), the main state keeps the threads
# so that done() can add up their counts.
PRELUDE = r"""
local threads = {}
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end
bad = 0
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write("BAD " .. total .. "\n")
end
"""


def lua_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)  # a JSON string of ASCII is a valid Lua string


def verify_script(path: Path, tokens: list[str], api_key: str) -> Path:
    """The gate API: a random token of the pool, a nonce never sent before (run tag, thread,
    counter), every answer must be 200 with a result."""
    run = secrets.token_hex(4)
    body = "\n".join(
        [
            PRELUDE,
            "local tokens = {" + ",".join(lua_str(t) for t in tokens) + "}",
            f"local run = {lua_str(run)}",
            'wrk.method = "POST"',
            'wrk.headers["Content-Type"] = "application/json"',
            f'wrk.headers["Authorization"] = {lua_str("Bearer " + api_key)}',
            "local counter = 0",
            r"""
function init(args) math.randomseed(tid * 7919 + os.time()) end
function request()
  counter = counter + 1
  local token = tokens[math.random(#tokens)]
  local nonce = "b" .. run .. "-" .. tid .. "-" .. counter
  local body = '{"token":"' .. token .. '","direction":"entry","nonce":"' .. nonce .. '"}'
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) then bad = bad + 1 end
end
""",
        ]
    )
    path.write_text(body)
    return path


def declaration_form(actor: Actor, city_id: int) -> str:
    """The actor's declaration as the browser POSTs it (urlencoded, with the CSRF field): a
    green person declaring again. The form token is added per request."""
    return urlencode(
        {
            "csrfmiddlewaretoken": CSRF_SECRET,
            "city": str(city_id),
            "name": actor.name,
            "id_number": actor.id_number,
            "phone": actor.phone,
            "district": "Jinshui District",
            "street_address": "1 Huayuan Road",
            "temperature": "36.5",
            "symptoms": "none",
            "travel": "none",
            "travel_area": "",
            "contact": "no",
            "commitment_truthful": "on",
            "commitment_consent": "on",
        }
    )


def declare_script(path: Path, actors: list[Actor], city_id: int) -> Path:
    """Declaration submit, one actor per wrk thread (one connection each): POST the form
    (a new form token each time) and get the redirect to its confirmation, then POST the
    confirmation, which enqueues the review on the Celery worker; and again."""
    forms = [
        f"{{cookie={lua_str(actor.cookie)}, form={lua_str(declaration_form(actor, city_id))}}}" for actor in actors
    ]
    body = "\n".join(
        [
            PRELUDE,
            "local actors = {" + ",\n".join(forms) + "}",
            f"local csrf = {lua_str(CSRF_SECRET)}",
            r"""
local me, pending, expect
local function hex(n) local s = "" for i = 1, n do s = s .. string.format("%x", math.random(0, 15)) end return s end
function init(args)
  math.randomseed(tid * 7919 + os.time())
  me = actors[tid + 1]
end
function request()
  local headers = {["Cookie"] = me.cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  if pending then
    local ref = pending
    pending = nil
    expect = "/code/"
    return wrk.format("POST", "/declare/" .. ref .. "/confirm/", headers, "csrfmiddlewaretoken=" .. csrf)
  end
  expect = "/confirm/"
  local token = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  return wrk.format("POST", "/declare/", headers, me.form .. "&form_token=" .. token)
end
function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or not string.find(location, expect, 1, true) then
    bad = bad + 1
    return
  end
  if expect == "/confirm/" then pending = string.match(location, "/declare/([%x%-]+)/confirm/") end
end
""",
        ]
    )
    path.write_text(body)
    return path


def checkin_script(path: Path, actors: list[Actor], threads: int) -> Path:
    """Daily check-ins: thread t takes actors t, t + threads, ...: each checks in once (a second
    check-in the same day is a lighter answer, so running out counts as bad)."""
    rows = ",\n".join(f"{{cookie={lua_str(a.cookie)}, pk={a.applicant_id}}}" for a in actors)
    body = "\n".join(
        [
            PRELUDE,
            "local actors = {" + rows + "}",
            f"local threads_n = {threads}",
            f"local csrf = {lua_str(CSRF_SECRET)}",
            r"""
local i
function init(args) i = tid + 1 end
function request()
  local a = actors[i]
  if a == nil then a = actors[tid + 1]; bad = bad + 1 end
  i = i + threads_n
  local headers = {["Cookie"] = a.cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", "/code/" .. a.pk .. "/check-in/", headers,
    "csrfmiddlewaretoken=" .. csrf .. "&temperature=36.5&symptoms=none")
end
function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or not string.find(location, "/why/", 1, true) then bad = bad + 1 end
end
""",
        ]
    )
    path.write_text(body)
    return path
