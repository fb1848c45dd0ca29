"""What each command does, apart from parsing its flags: configure, scan, filter, report, exit.

Nothing but the requested report goes to stdout (SARIF on stdout must stay valid JSON); notes,
errors and progress go to stderr.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from scanner.config import Config, Limits
from scanner.findings import Finding, severity_rank

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class ScanOptions:
    """The flags of `scan` and `image`, whatever subset the command has."""

    paths: tuple[str, ...] = ()
    archives: tuple[Path, ...] = ()
    formats: tuple[str, ...] = ()
    outputs: tuple[Path, ...] = ()
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    config_file: Path | None = None
    root: Path | None = None
    forced_type: str | None = None
    stdin_name: str = ""
    sarif_category: str = ""
    baseline: Path | None = None
    write_baseline: Path | None = None
    show_suppressed: bool = False
    no_inline_suppressions: bool = False
    rules_dir: tuple[Path, ...] = ()
    var_file: tuple[Path, ...] = ()
    helm_values: tuple[Path, ...] = ()
    secrets_only: bool = False
    no_render: bool = False
    ignore_parse_errors: bool = False
    jobs: int | None = None
    no_cache: bool = False
    file_timeout: float | None = None
    max_file_size: int | None = None
    color: bool | None = None
    targets: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def from_click(cls, values: dict[str, Any]) -> ScanOptions:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


class UsageError(Exception):
    """Bad flags or configuration: exit 2 with the message."""


def _tokens(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select K8S020,CTR026` as well as repeated flags, as linters accept them."""
    return tuple(token for value in values for token in value.replace(",", " ").split())


def build_config(options: ScanOptions) -> Config:
    from scanner.settings import SettingsError, find_config, load_settings

    root = (options.root or Path.cwd()).resolve()
    config_file = options.config_file or find_config(root)
    try:
        config = load_settings(config_file, Config(root=root))
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    limits: Limits = config.limits
    if options.file_timeout:
        limits = replace(limits, file_timeout=options.file_timeout)
    if options.max_file_size:
        limits = replace(limits, max_file_bytes=options.max_file_size)
    return replace(
        config,
        select=_tokens(options.select) or config.select,
        ignore=config.ignore + _tokens(options.ignore),
        fail_on=options.fail_on or config.fail_on,
        exclude=config.exclude + options.exclude,
        forced_type=options.forced_type or "",
        rules_dirs=config.rules_dirs + options.rules_dir,
        inline_suppressions=config.inline_suppressions and not options.no_inline_suppressions,
        secrets_only=options.secrets_only,
        var_files=config.var_files + options.var_file,
        helm_values=config.helm_values + options.helm_values,
        jobs=options.jobs if options.jobs is not None else config.jobs,
        limits=limits,
        use_cache=not options.no_cache,
        # Rendered output is never scanned for secrets (its sources are), so a secrets-only run
        # skips rendering altogether.
        render_helm=config.render_helm and not options.no_render and not options.secrets_only,
        render_kustomize=config.render_kustomize and not options.no_render and not options.secrets_only,
    )


def _report_targets(options: ScanOptions) -> list[tuple[str, Path | None]]:
    from scanner.report import FORMATS

    if options.targets:
        targets = [(fmt, Path(out) if out else None) for fmt, out in options.targets]
    else:
        formats = options.formats or ("text",)
        targets = [(fmt, options.outputs[i] if i < len(options.outputs) else None)
                   for i, fmt in enumerate(formats)]
    unknown = [fmt for fmt, _ in targets if fmt not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} (known: {', '.join(FORMATS)})")
    if sum(1 for _, out in targets if out is None) > 1:
        raise UsageError("only one --format can go to standard output; give the others an --output file")
    return targets


def _use_color(options: ScanOptions, stream: TextIO) -> bool:
    if options.color is not None:
        return options.color
    return stream.isatty() and "NO_COLOR" not in os.environ


def _fails(findings: list[Finding], fail_on: str) -> bool:
    if fail_on == "never":
        return False
    return any(severity_rank(f.severity) <= severity_rank(fail_on) for f in findings)


def _sources(options: ScanOptions, config: Config) -> tuple[list[Any], bytes | None]:
    from scanner.discover import SourceFile, walk

    paths = options.paths or (".",)
    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        name = options.stdin_name or "stdin"
        return [SourceFile(Path(name), name)], sys.stdin.buffer.read()
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    return list(walk(paths, config.root, config.exclude)), None


def run_scan(options: ScanOptions) -> int:
    from scanner.engine import ScanResult, scan

    try:
        config = build_config(options)
        targets = _report_targets(options)
        sources, stdin_data = _sources(options, config)
        result: ScanResult = scan(sources, config, stdin_data)
    except UsageError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return finish(result, options, config, targets)


def finish(result: Any, options: ScanOptions, config: Config, targets: list[tuple[str, Path | None]]) -> int:
    """Baseline, reports and exit code: shared by `scan` and `image`."""
    from scanner import baseline
    from scanner.settings import describe

    if options.write_baseline:
        from scanner.report.neutral import neutral

        baseline.write(options.write_baseline, neutral(result).findings, describe(config))
        print(f"hullscan: recorded {len(result.findings)} finding(s) in {options.write_baseline}",
              file=sys.stderr)
        return EXIT_OK
    if options.baseline:
        try:
            known = baseline.load(options.baseline)
        except baseline.BaselineError as exc:
            print(f"hullscan: {exc}", file=sys.stderr)
            return EXIT_USAGE
        result.findings, old = baseline.split(result.findings, known, options.baseline.name)
        result.notes.extend(known.notes)
        result.suppressed.extend(old)
    write_reports(result, options, config, targets)
    from scanner.boundary import printable

    for note in result.notes:
        print(f"hullscan: {printable(result.exposure.mask(note))}", file=sys.stderr)
    failed = _fails(result.findings, config.fail_on)
    if result.errors and not options.ignore_parse_errors:
        failed = True
    return EXIT_FINDINGS if failed else EXIT_OK


def write_reports(result: Any, options: ScanOptions, config: Config,
                  targets: list[tuple[str, Path | None]]) -> None:
    from scanner import __version__
    from scanner.report import ReportOptions, render

    for fmt, output in targets:
        report_options = ReportOptions(
            root=config.root, sarif_category=options.sarif_category,
            color=output is None and fmt == "text" and _use_color(options, sys.stdout),
            show_suppressed=options.show_suppressed, tool_version=__version__)
        rendered = render(fmt, result, report_options)
        if output is None:
            sys.stdout.write(rendered)
            sys.stdout.flush()
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(rendered, encoding="utf-8")


def run_image(options: ScanOptions) -> int:
    from scanner.image import scan_archive

    try:
        config = build_config(options)
        targets = _report_targets(options)
    except UsageError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = None
    for archive in options.archives:
        one = scan_archive(archive, config)
        if result is None:
            result = one
        else:
            result.findings.extend(one.findings)
            result.suppressed.extend(one.suppressed)
            result.errors.extend(one.errors)
            result.notes.extend(one.notes)
            result.files += one.files
    return finish(result, options, config, targets)


def show_rules(output_format: str) -> int:
    from scanner.docs import rules_listing

    print(rules_listing(output_format))
    return EXIT_OK


def explain_rule(rule_id: str) -> int:
    from scanner.docs import explain

    page = explain(rule_id)
    if page is None:
        print(f"hullscan: no rule {rule_id!r} (see `hullscan rules`)", file=sys.stderr)
        return EXIT_USAGE
    print(page)
    return EXIT_OK


def show_checklist(output_format: str) -> int:
    from scanner.docs import checklist_table

    print(checklist_table(output_format))
    return EXIT_OK


def show_config(config_file: Path | None) -> int:
    import json

    from scanner.settings import describe

    try:
        config = build_config(ScanOptions(config_file=config_file))
    except UsageError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(describe(config), indent=2))
    return EXIT_OK
