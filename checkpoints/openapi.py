"""The gate API's OpenAPI description, served at /api/v1/openapi.json."""

from __future__ import annotations

from django.conf import settings

from checkpoints.services.verify import RESULT_CODES


def document(server_url: str) -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Henan Health Code gate API",
            "version": "1.0.0",
            "description": (
                "For turnstiles and gate devices: verify the QR code a person shows and log the scan. "
                "Every call is logged, passed or not, for contact tracing. Authenticate with the venue's "
                "API key as a Bearer token. Signatures can also be checked offline with the public keys at "
                "/.well-known/healthcode-keys.json."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"venueKey": []}],
        "paths": {
            "/api/v1/verify": {
                "post": {
                    "operationId": "verify",
                    "summary": "Verify a scanned health code and log the scan",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The verdict. `result` is `ok` only for a valid green code.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/VerifyResponse"}}
                            },
                        },
                        "400": {
                            "description": (
                                "Bad JSON, a missing field or a bad value; or a request refused before it is read "
                                "(a NUL byte in the address or a header, a host this site does not serve): "
                                "`bad_request`."
                            ),
                            "content": {"application/json": {"schema": error}},
                        },
                        "401": {
                            "description": "Missing, unknown or revoked API key.",
                            "content": {"application/json": {"schema": error}},
                        },
                        "409": {
                            "description": (
                                "The nonce was already used at this venue for a different scan (another token): "
                                "nothing is logged. Send a new nonce for every scan; resending the same scan "
                                "with its nonce is answered 200 with the first verdict and duplicate true."
                            ),
                            "content": {"application/json": {"schema": error}},
                        },
                        "413": {
                            "description": "The request body is too large.",
                            "content": {"application/json": {"schema": error}},
                        },
                        "503": {
                            "description": (
                                "The database or the broker did not answer (`service_busy`). Send the same scan "
                                "again, with its nonce, after the seconds in the Retry-After header: a scan that was "
                                "logged after all is answered with its first verdict and duplicate true."
                            ),
                            "content": {"application/json": {"schema": error}},
                        },
                        "429": {
                            "description": (
                                f"Too many requests: at most {settings.HC_GATE_RATE_PER_MINUTE} a minute per key. "
                                "Retry after the number of seconds in the Retry-After header."
                            ),
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "venueKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The venue's gate API key, made in the admin (Checkpoints → Gate API keys).",
                }
            },
            "schemas": {
                "VerifyRequest": {
                    "type": "object",
                    "required": ["token", "direction", "nonce"],
                    "properties": {
                        "token": {"type": "string", "maxLength": 256, "description": "The text of the scanned QR."},
                        "direction": {"type": "string", "enum": ["entry", "exit"]},
                        "nonce": {
                            "type": "string",
                            "pattern": "^[A-Za-z0-9_.:-]{8,64}$",
                            "description": (
                                "Unique per scan at this venue. Sending the same nonce again (a retry, an upload "
                                "after being offline) logs nothing new and answers as the first time."
                            ),
                        },
                        "scanned_at": {
                            "type": ["number", "null"],
                            "description": (
                                "Optional, for scans made offline: when it was scanned (Unix seconds, at most "
                                "24 hours ago; null or absent: now). Expiry is checked as of then, the colour as "
                                "of now."
                            ),
                        },
                    },
                    "additionalProperties": True,
                },
                "VerifyResponse": {
                    "type": "object",
                    "required": ["result", "color", "masked_name", "reason"],
                    "properties": {
                        "result": {"type": "string", "enum": list(RESULT_CODES)},
                        "color": {
                            "type": ["string", "null"],
                            "enum": ["green", "yellow", "red", "pending", None],
                            "description": "The live colour the verdict went by; null when the code is not valid.",
                        },
                        "masked_name": {"type": ["string", "null"], "description": "E.g. 张*丰; null if unknown."},
                        "reason": {"type": "string", "description": "Plain words, in the Accept-Language."},
                        "pass": {"type": "boolean", "description": "Open the gate: true only when result is ok."},
                        "paper": {
                            "type": "boolean",
                            "description": "A paper code: staff must check the ID card.",
                        },
                        "duplicate": {
                            "type": "boolean",
                            "description": "The same scan sent again with its nonce: the first verdict, logged once.",
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {
                            "type": "string",
                            "enum": [
                                "bad_json",
                                "missing_field",
                                "bad_field",
                                "nonce_reused",
                                "unauthorized",
                                "too_large",
                                "rate_limited",
                                "method_not_allowed",
                                "bad_request",
                                "server_error",
                                "service_busy",
                            ],
                        },
                        "message": {"type": "string"},
                        "field": {"type": "string"},
                    },
                },
            },
        },
    }
