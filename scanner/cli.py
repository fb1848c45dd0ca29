"""The `hullscan` command line: thin click commands over `scanner.app`.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it (or unreadable files),
2 usage or configuration error. Only click is imported at start-up; everything else is imported
by the command that needs it, so `hullscan --version` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from scanner import __version__

SEVERITY_CHOICES = click.Choice(["critical", "high", "medium", "low", "info", "never"], case_sensitive=False)
INTERRUPTED = "\rhullscan: interrupted, no report written"  # \r: over the terminal's ^C
TYPE_CHOICES = click.Choice(["dockerfile", "kubernetes", "compose", "cloudformation", "terraform", "arm",
                             "text"],
                            case_sensitive=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hullscan", message="%(prog)s %(version)s")
def cli() -> None:
    """Static scanner for container security: Dockerfiles, Kubernetes, Compose, Terraform,
    CloudFormation, ARM templates, saved images, and hard-coded secrets."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help="text, json, sarif, junit, gitlab-sast, codeclimate, markdown; repeatable.")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File for the --format in the same position; formats without one go to stdout.")
@click.option("--fail-on", type=SEVERITY_CHOICES, help="Lowest severity that fails the run [low].")
@click.option("--select", multiple=True, help="Run only these rules (id, id prefix, name, severity, "
                                             "checklist item or file type); repeatable, or comma-separated.")
@click.option("--ignore", multiple=True, help="Skip these rules (same forms as --select); repeatable, or comma-separated.")
@click.option("--profile", multiple=True, help="Rule sets to run when --select names none: default, strict, "
                                              "pss-baseline, pss-restricted, cis (`hullscan rules --profile`); "
                                              "repeatable, or comma-separated [default].")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB; repeatable.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Configuration file [.hullscan.yaml or pyproject.toml in the root].")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Project root: reported paths are relative to it [current directory].")
@click.option("--type", "forced_type", type=TYPE_CHOICES, help="Treat every input as this type.")
@click.option("--stdin-name", default="", help="Name (and type hint) for input read from `-`.")
@click.option("--sarif-category", default="", help="SARIF runAutomationDetails.id, to keep runs apart.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings not recorded in this baseline.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the current findings in this baseline file and exit 0.")
@click.option("--show-suppressed", is_flag=True, help="List suppressed findings with their reasons.")
@click.option("--no-inline-suppressions", is_flag=True, help="Ignore every inline suppression.")
@click.option("--rules-dir", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Load more rules from this folder; repeatable.")
@click.option("--var-file", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Terraform variable file; repeatable.")
@click.option("--helm-values", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra values file for rendering Helm charts; repeatable.")
@click.option("--no-render", is_flag=True, help="Do not render Helm charts or Kustomize overlays.")
@click.option("--no-gitignore", is_flag=True, help="Also scan what .gitignore files ignore.")
@click.option("--hook", is_flag=True,
              help="Judge the named files as part of the project (pre-commit): templates through their "
                   "chart, overlay files through their overlays, relations against every manifest; "
                   "report only what the named files are answerable for; `exclude:` applies to them.")
@click.option("--secrets-only", is_flag=True, help="Run only the secret detectors.")
@click.option("--ignore-parse-errors", is_flag=True, help="Unreadable files do not fail the run.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Parallel workers [number of cores for large trees, 1 for a few files].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the parse cache.")
@click.option("--file-timeout", type=click.FloatRange(min=0.1), help="CPU seconds one file may take [10].")
@click.option("--max-file-size", type=click.IntRange(min=1), help="Bytes; larger files are skipped [10 MB].")
@click.option("--deadline", type=click.FloatRange(min=0.1),
              help="Seconds the whole scan may take; then it reports what it has, names the files it "
                   "did not finish, and fails [none].")
@click.option("--color/--no-color", default=None, help="Colour text output [when stdout is a terminal].")
@click.pass_context
def scan(ctx: click.Context, **options: object) -> None:
    """Scan files and folders (default: the current folder); `-` reads standard input."""
    from scanner.app import ScanOptions, run_scan

    options["targets"] = (ctx.obj or {}).get("targets", ())
    _exit_with(run_scan, ScanOptions.from_click(options))


@cli.command()
@click.argument("archives", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "formats", multiple=True, metavar="FORMAT")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--fail-on", type=SEVERITY_CHOICES)
@click.option("--select", multiple=True)
@click.option("--ignore", multiple=True)
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sarif-category", default="")
@click.option("--show-suppressed", is_flag=True)
@click.option("--color/--no-color", default=None)
@click.pass_context
def image(ctx: click.Context, **options: object) -> None:
    """Scan saved images (`docker save` tar, OCI layout folder or tar) without a container engine."""
    from scanner.app import ScanOptions, run_image

    options["targets"] = (ctx.obj or {}).get("targets", ())
    _exit_with(run_image, ScanOptions.from_click(options))


def _exit_with(command: Callable[[Any], int], options: Any) -> NoReturn:
    """Run a scanning command and exit with its code; Ctrl-C is one line and exit code 130 (as a
    shell reports SIGINT), caught here before click would print "Aborted!" and exit 1."""
    try:
        code = command(options)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        code = 130
    sys.exit(code)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--unsafe", is_flag=True, help="Also apply fixes that may change what the workload does.")
@click.option("--diff", is_flag=True, help="Print a unified diff and write nothing; exit 1 when there "
                                           "is something to fix.")
@click.option("--select", multiple=True, help="Fix only these rules (same forms as for scan).")
@click.option("--ignore", multiple=True, help="Do not fix these rules (same forms as for scan).")
@click.option("--profile", multiple=True, help="Rule sets to fix when --select names none, as for scan [default].")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB; repeatable.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--rules-dir", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-render", is_flag=True, help="Do not render Helm charts or Kustomize overlays.")
@click.option("--no-gitignore", is_flag=True, help="Also fix what .gitignore files ignore.")
@click.option("--no-inline-suppressions", is_flag=True, help="Fix suppressed findings too.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None)
def fix(unsafe: bool, diff: bool, **options: object) -> None:
    """Apply the catalog's fixes to files and folders (default: the current folder), in place:
    safe fixes, and unsafe ones with --unsafe. Every fix is re-scanned and rolled back when it
    does not remove its finding, breaks the file or adds a finding."""
    from scanner.app import ScanOptions
    from scanner.fix.command import run_fix

    sys.exit(run_fix(ScanOptions.from_click(options), unsafe, diff))


@cli.command("rules")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table")
@click.option("--profile", default="", help="Only this profile's rules; `--profile list` lists the profiles.")
def list_rules(output_format: str, profile: str) -> None:
    """List every rule: id, severity, name, profiles, file types and checklist items."""
    from scanner.app import show_rules

    sys.exit(show_rules(output_format, profile))


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation: what it checks, why, and how to fix it."""
    from scanner.app import explain_rule

    sys.exit(explain_rule(rule))


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["table", "markdown", "json"]), default="table")
def checklist(output_format: str) -> None:
    """Show which rules enforce each item of the container security checklist."""
    from scanner.app import show_checklist

    sys.exit(show_checklist(output_format))


@cli.command()
@click.option("--show", is_flag=True, required=True, help="Print the effective configuration.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def config(show: bool, config_file: Path | None) -> None:
    """Print the effective configuration (file settings merged over defaults)."""
    from scanner.app import show_config

    sys.exit(show_config(config_file))


@cli.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only transport; "
                                             "accepted because editors pass it).")
def lsp(stdio: bool) -> None:
    """Run the language server over standard input and output, for editors (extra `hullscan[lsp]`)."""
    try:
        from scanner.lsp.server import serve
    except ImportError as exc:
        if exc.name not in ("pygls", "lsprotocol", "cattrs") and not str(exc.name).startswith(("pygls.", "lsprotocol.")):
            raise
        print("hullscan: the language server needs the `lsp` extra: pip install 'hullscan[lsp]'", file=sys.stderr)
        sys.exit(2)
    sys.exit(serve())


def report_targets(argv: list[str]) -> tuple[tuple[str, str | None], ...]:
    """Pair each `--output` with the `--format` written before it, as a reader of the command
    line would (`--format sarif --output r.sarif --format text`); click keeps no such order."""
    targets: list[list[str | None]] = []
    tokens = iter(argv)
    for token in tokens:
        name, _, value = token.partition("=")
        if name not in ("--format", "--output"):
            continue
        value = value or next(tokens, "")
        if name == "--format":
            targets.append([value, None])
        elif targets and targets[-1][1] is None:
            targets[-1][1] = value
        else:
            targets.append(["text", value])
    return tuple((str(fmt), out) for fmt, out in targets)


def main(argv: list[str] | None = None) -> int:
    """Entry point. A bad rule folder is a usage error; anything unforeseen is one line, not a
    traceback (`HULLSCAN_DEBUG=1` shows the traceback for a bug report)."""
    from scanner.catalog.errors import CatalogError

    try:
        args = sys.argv[1:] if argv is None else argv
        cli.main(args=args, prog_name="hullscan", standalone_mode=True,
                 obj={"targets": report_targets(args)})
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except CatalogError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        import os

        if os.environ.get("HULLSCAN_DEBUG"):
            raise
        print(f"hullscan: internal error ({type(exc).__name__}); rerun with HULLSCAN_DEBUG=1 "
              "and report it", file=sys.stderr)
        return 2
    return 0
