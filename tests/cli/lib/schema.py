# SPDX-License-Identifier: AGPL-3.0-or-later
"""JSON answers checked against the schemas of docs/openapi.json, with python3-jsonschema.

As a command (serve_peering.sh):
  schema.py OPENAPI.json FILE SCHEMA [FILE SCHEMA ...]
checks each FILE against components/schemas/SCHEMA, prints one line per error and
exits 1 if there is any.
As a module (serve_contract.sh): OpenAPI(path).doc is the document and
OpenAPI(path).errors("/components/schemas/NAME", value) the errors of value, by path.
"""
import json
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


class OpenAPI:
    def __init__(self, path):
        with open(path) as f:
            self.doc = json.load(f)
        self.registry = Registry().with_resource(
            "urn:eseal:openapi", Resource.from_contents(self.doc, default_specification=DRAFT202012))

    def errors(self, pointer, value):
        """The errors of value against the schema at JSON pointer in the document, by path."""
        v = Draft202012Validator({"$ref": "urn:eseal:openapi#" + pointer}, registry=self.registry)
        return sorted(v.iter_errors(value), key=lambda e: list(e.path))


def main(argv):
    api = OpenAPI(argv[1])
    bad = 0
    for path, name in zip(argv[2::2], argv[3::2]):
        with open(path) as f:
            value = json.load(f)
        for e in api.errors("/components/schemas/" + name, value):
            print(name, e.message[:200], "/".join(map(str, e.path)))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
