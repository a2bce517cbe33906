"""Drives an agent with tools through the official Python `openai` SDK, as a Python user would.

Run by agent-runtime/test/tools-openai-compat.test.ts with OPENAI_BASE_URL pointing at the
agent's /v1; prints one JSON object with what the SDK saw, which the test checks:

- a plain call: the agent ran its own tool and answered (the SDK sees a normal completion);
- a streamed call: the SDK's chunks reassemble that answer;
- a call with a tool of the client's own: the SDK gets tool_calls, runs the tool, sends the
  result back and gets the final answer (the OpenAI protocol's client loop).

Requirements: test/python/requirements.txt (pip install -r test/python/requirements.txt).
"""

import json
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key="unused", max_retries=0)
out = {}

plain = client.chat.completions.create(
    model="any", messages=[{"role": "user", "content": "weather city=Lima units=metric"}]
)
out["plain"] = {
    "content": plain.choices[0].message.content,
    "finish_reason": plain.choices[0].finish_reason,
    "tool_calls": plain.choices[0].message.tool_calls,
    "stop_reason": (plain.model_extra or {}).get("fleetplane", {}).get("stop_reason"),
}

text = ""
finish = None
for chunk in client.chat.completions.create(
    model="any", messages=[{"role": "user", "content": "weather city=Quito units=metric"}], stream=True
):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
        finish = chunk.choices[0].finish_reason or finish
out["stream"] = {"content": text, "finish_reason": finish}

clock = {
    "type": "function",
    "function": {
        "name": "local_clock",
        "description": "The time on the client's machine",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
    },
}
messages = [{"role": "user", "content": "local_clock zone=UTC"}]
first = client.chat.completions.create(model="any", messages=messages, tools=[clock])
call = first.choices[0].message.tool_calls[0]
messages.append(first.choices[0].message.model_dump(exclude_none=True))
messages.append({"role": "tool", "tool_call_id": call.id, "content": "12:00 in " + json.loads(call.function.arguments)["zone"]})
second = client.chat.completions.create(model="any", messages=messages, tools=[clock])
out["client_tool"] = {
    "first_finish_reason": first.choices[0].finish_reason,
    "called": call.function.name,
    "arguments": json.loads(call.function.arguments),
    "final": second.choices[0].message.content,
}

print(json.dumps(out))
