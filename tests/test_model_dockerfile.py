"""The Dockerfile model: stages, variables, effective user; and the shell reader rules rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from expectations import expected_findings

from scanner.inputs.discover import walk
from scanner.model.dockerfile import DockerfileInfo, analyse
from scanner.model.dockerfile_vars import expand
from scanner.parse.dockerfile import parse
from scanner.parse.shell import commands
from scanner.run.engine import scan
from scanner.settings.config import Config

FIXTURES = Path(__file__).parent / "fixtures"

MULTI = """\
ARG GO_VERSION=1.22
ARG REGISTRY
ARG APP_USER=app
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS Build
ENV CGO_ENABLED=0 OUT=/out
RUN go build -o ${OUT}/api .

FROM build AS test
RUN go test ./...

FROM $REGISTRY/base:1 AS unknown

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
ARG APP_USER
COPY --from=build /out/api /api

FROM runtime AS final
ARG APP_USER
USER ${APP_USER}:${APP_GROUP:-app}
"""


def _info(text: str) -> DockerfileInfo:
    return analyse("Dockerfile", parse(text, "Dockerfile"))


def test_stages() -> None:
    info = _info(MULTI)
    summary = [(s.index, s.name, s.image, s.parent.name if s.parent else None, s.is_final,
                s.in_final_image, s.referenced) for s in info.stages]
    assert summary == [
        (0, "build", "golang:1.22", None, False, False, True),
        (1, "test", "build", "build", False, False, False),
        (2, "unknown", None, None, False, False, False),
        (3, "runtime", "gcr.io/distroless/static-debian12:nonroot", None, False, True, True),
        (4, "final", "runtime", "runtime", True, True, False),
    ]
    assert [s.base_kind for s in info.stages] == ["image", "stage", "unknown", "image", "stage"]
    assert [s.nonroot_base for s in info.stages] == [False, False, False, True, False]
    assert _info("FROM scratch\n").stages[0].base_kind == "scratch"
    assert info.stages[0].platform is None  # $BUILDPLATFORM is set by the builder, not the file
    assert [s.label for s in info.stages][:2] == ['stage "build"', 'stage "test"']


def test_variables_follow_stages() -> None:
    info = _info(MULTI)
    build, test, _, runtime, final = info.stages
    run = next(build.of("RUN"))
    assert build.expand(run, "${OUT}/api $CGO_ENABLED") == "/out/api 0"
    assert test.expand(next(test.of("RUN")), "$OUT") == "/out"  # ENV is inherited by FROM <stage>
    assert build.expand(run, "$GO_VERSION") is None  # a global ARG is not visible without `ARG NAME`
    assert runtime.expand(next(runtime.of("COPY")), "$APP_USER") == "app"


def test_effective_user() -> None:
    info = _info(MULTI)
    assert info.stages[3].user.name == "nonroot" and info.stages[3].user.is_root is False
    user = info.stages[4].user
    assert (user.name, user.is_root, user.instruction.line if user.instruction else 0) == ("app", False, 19)
    assert info.stages[0].user.is_root is True
    assert info.stages[2].user.is_root is None  # unknown base image: unknown user


@pytest.mark.parametrize(("text", "expected"), [
    ("FROM alpine:3.19\nUSER root\nUSER 1000\n", False),
    ("FROM alpine:3.19\nUSER 1000\nUSER 0:0\n", True),
    ("FROM alpine:3.19 AS a\nUSER app\nFROM a\n", False),
    ("FROM alpine:3.19 AS a\nUSER app\nFROM alpine:3.19\n", True),
    ("FROM scratch\nCOPY app /app\n", True),
    ("ARG U=root\nFROM alpine:3.19\nARG U\nUSER $U\n", True),
    ("FROM alpine:3.19\nARG U\nUSER $U\n", None),
    ("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nUSER ContainerAdministrator\n", True),
    ("FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n", False),
])
def test_final_user(text: str, expected: bool | None) -> None:
    final = _info(text).final
    assert final is not None and final.user.is_root is expected


def test_long_stage_chain() -> None:
    text = "FROM alpine:3.19 AS s0\nUSER app\n" + "".join(f"FROM s{i} AS s{i + 1}\n" for i in range(3000))
    final = _info(text).final
    assert final is not None and final.user.name == "app" and len(final.ancestry) == 3001


@pytest.mark.parametrize(("text", "expected"), [
    ("plain", "plain"),
    ("$A-${B}", "1-two"),
    ("${MISSING:-fallback}", "fallback"),
    ("${A:+set}${EMPTY:-empty}", "setempty"),
    ("${MISSING}", None),
    ("${UNKNOWN}", None),
    ("\\$A", "$A"),
])
def test_expand(text: str, expected: str | None) -> None:
    values = {"A": "1", "B": "two", "EMPTY": "", "UNKNOWN": None}

    def lookup(name: str) -> tuple[bool, str | None]:
        return (name in values, values.get(name))

    assert expand(text, lookup) == expected


@pytest.mark.parametrize(("run", "expected"), [
    ("RUN apt-get update && apt-get install -y gcc", [["apt-get", "update"], ["apt-get", "install", "-y", "gcc"]]),
    ("RUN curl -fsSL https://x | sh -", [["curl", "-fsSL", "https://x"], ["sh", "-"]]),
    ('RUN echo "a && b" > /out 2>&1; ls', [["echo", "a && b"], ["ls"]]),
    ('RUN ["sh", "-c", "make && make install"]', [["make"], ["make", "install"]]),
    ("RUN <<EOF\n# comment\nmake\nEOF", [["make"]]),
    ("RUN cat <<EOF > /etc/conf\nnot a command\nEOF", [["cat"]]),
    ("RUN python3 <<EOF\nimport os\nEOF", [["python3"]]),
])
def test_commands(run: str, expected: list[list[str]]) -> None:
    instruction = parse("FROM alpine\n" + run, "Dockerfile").instructions[1]
    assert [[w.value for w in c.words] for c in commands(instruction)] == expected


def test_command_word_lines() -> None:
    instruction = parse("FROM alpine\nRUN set -eux; \\\n  apk add \\\n    gcc\n", "Dockerfile").instructions[1]
    gcc = commands(instruction)[1].words[-1]
    assert instruction.locate(gcc.start, gcc.end)[1:] == (4, 5, 4, 8)


@pytest.mark.parametrize("name", ["bad.Dockerfile", "good.Dockerfile"])
def test_registry_allow_list(name: str) -> None:
    """DKR005 needs an allow-list, which the shared fixture harness does not configure."""
    fixture = FIXTURES / "rules" / "DKR005" / "configured" / name
    config = Config(select=("DKR005",), root=fixture.parent,
                    trusted_registries=("registry.acme.internal", "docker.io/library"))
    result = scan(walk([str(fixture)], fixture.parent), config)
    assert {(f.rule, f.line) for f in result.findings} == expected_findings(fixture)


def test_registry_allow_list_from_rule_option() -> None:
    fixture = FIXTURES / "rules" / "DKR005" / "configured" / "bad.Dockerfile"
    config = Config(select=("DKR005",), root=fixture.parent,
                    rule_options={"DKR005": {"registries": ["registry.acme.internal", "ghcr.io/someone"]}})
    result = scan(walk([str(fixture)], fixture.parent), config)
    assert [(f.rule, f.line) for f in result.findings] == [("DKR005", 3)]
