"""The bus described for others: a JSON Schema per event, and the AsyncAPI document."""

from __future__ import annotations

from typing import Any

from nowrongdoor.contracts.streams import EVENT_TYPES


def json_schemas() -> dict[str, dict[str, Any]]:
    """One JSON Schema per event type, keyed by the CloudEvents type."""
    return {cls.type: cls.model_json_schema() for cls in EVENT_TYPES}


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 description of every channel and message on the bus."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for cls in EVENT_TYPES:
        name = cls.__name__
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas[def_name] = definition
        schemas[name] = schema
        channel_id = cls.subject.replace(".", "-")
        channels[channel_id] = {
            "address": cls.subject,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"on-{channel_id}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
        }
    messages = {
        cls.__name__: {
            "name": cls.type,
            "contentType": "application/json",
            "bindings": {"nats": {"bindingVersion": "0.1.0"}},
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        }
        for cls in EVENT_TYPES
    }
    schemas["CloudEventHeaders"] = {
        "type": "object",
        "description": "CloudEvents 1.0 binary mode in the NATS protocol binding",
        "required": ["ce-specversion", "ce-id", "ce-source", "ce-type", "Nats-Msg-Id"],
        "properties": {
            "ce-specversion": {"const": "1.0"},
            "ce-id": {"type": "string"},
            "ce-source": {"type": "string"},
            "ce-type": {"type": "string"},
            "ce-time": {"type": "string", "format": "date-time"},
            "ce-subject": {"type": "string"},
            "Nats-Msg-Id": {"type": "string", "description": "Equal to ce-id"},
            "traceparent": {"type": "string"},
        },
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "No Wrong Door events",
            "version": "1",
            "description": "Events exchanged by the No Wrong Door services over NATS JetStream.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
