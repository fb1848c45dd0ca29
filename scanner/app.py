"""What each command does, apart from parsing its flags: configure, scan, filter, report, exit.

Nothing but the requested report goes to stdout (SARIF on stdout must stay valid JSON); notes,
errors and progress go to stderr.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scanner.boundary import contains
from scanner.results.findings import severity_rank
from scanner.settings.config import Config, Limits

if TYPE_CHECKING:
    from scanner.results.result import ScanResult

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
    profile: tuple[str, ...] = ()
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
    no_gitignore: bool = False
    hook: bool = False
    ignore_parse_errors: bool = False
    jobs: int | None = None
    no_cache: bool = False
    file_timeout: float | None = None
    max_file_size: int | None = None
    deadline: float | None = None
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


def default_root(paths: tuple[str, ...]) -> Path:
    """The project a scan is about, when `--root` doesn't say: the repository (the nearest folder
    above the first target holding `.git`) that the targets lie in, else the current folder when
    the targets are inside it, else the single folder given. `hullscan scan /abs/repo` from
    elsewhere then finds that repository's configuration and reports paths relative to it, as
    code scanning expects."""
    targets = [Path(p) for p in paths if p != "-"] or [Path.cwd()]
    first = targets[0].resolve()
    start = first if first.is_dir() else first.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            if all(contains(folder, t) for t in targets):
                return folder
            break
    here = Path.cwd().resolve()
    if len(targets) == 1 and first.is_dir() and not contains(here, first):
        return first  # a folder scanned from elsewhere is its own project
    return here


def build_config(options: ScanOptions) -> Config:
    """Defaults, then the configuration file, then the flags, which always win: the file may be the
    pull request's own, the flags are the caller's. Rule selectors are checked against the loaded
    catalog (user rules included), and whatever the file alone weakens becomes `config.notes`."""
    from scanner.boundary import printable
    from scanner.catalog.errors import CatalogError
    from scanner.catalog.rules import load_rules
    from scanner.settings.gate import SelectorError, lowered_note
    from scanner.settings.load import SettingsError, find_config, load_settings

    root = (options.root or default_root(options.paths)).resolve()
    config_file = options.config_file or find_config(root)
    defaults = Config(root=root)
    try:
        from_file = load_settings(config_file, defaults)
        catalog = load_rules(from_file.rules_dirs + options.rules_dir)
        from_file = _canonical_selectors(from_file, catalog)
        select = _canonical_tokens(_tokens(options.select), catalog, "--select")
        ignore = _canonical_tokens(_tokens(options.ignore), catalog, "--ignore")
        profiles = _profile_names(_tokens(options.profile), "--profile")
    except (SettingsError, CatalogError, SelectorError) as exc:
        raise UsageError(printable(str(exc))) from None
    effective = _with_flags(from_file, options, select, ignore, profiles)
    if config_file is None:
        return effective
    note = lowered_note(_shown_path(config_file, root), effective,
                        _with_flags(defaults, options, select, ignore, profiles), catalog)
    return replace(effective, notes=(note,) if note else ())


def _with_flags(config: Config, options: ScanOptions, select: tuple[str, ...], ignore: tuple[str, ...],
                profiles: tuple[str, ...] = ()) -> Config:
    """`config` with every flag applied over it. `--select` replaces the file's `select` and its
    `ignore` both (a rule named on the command line runs, whatever the file ignores), and
    `--profile` the file's `profile`; `--ignore`,
    `--exclude` and the path flags add to the file's lists; the other flags replace its values."""
    from scanner.settings.gate import capped_jobs

    limits: Limits = config.limits
    if options.file_timeout:
        limits = replace(limits, file_timeout=options.file_timeout)
    if options.max_file_size:
        limits = replace(limits, max_file_bytes=options.max_file_size)
    return replace(
        config,
        select=select or config.select,
        profiles=profiles or config.profiles,
        ignore=(() if select else config.ignore) + ignore,
        fail_on=options.fail_on.lower() if options.fail_on else config.fail_on,
        exclude=config.exclude + options.exclude,
        forced_type=options.forced_type or "",
        rules_dirs=config.rules_dirs + options.rules_dir,
        inline_suppressions=config.inline_suppressions and not options.no_inline_suppressions,
        secrets_only=options.secrets_only,
        var_files=config.var_files + options.var_file,
        helm_values=config.helm_values + options.helm_values,
        jobs=capped_jobs(options.jobs if options.jobs is not None else config.jobs),
        limits=limits,
        use_cache=not options.no_cache,
        # Rendered output is never scanned for secrets (its sources are), so a secrets-only run
        # skips rendering altogether.
        render_helm=config.render_helm and not options.no_render and not options.secrets_only,
        render_kustomize=config.render_kustomize and not options.no_render and not options.secrets_only,
    )


def _profile_names(names: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Profile names in the catalog's spelling; one that names no profile is an error, as a
    selector that matches no rule is."""
    from scanner.catalog.profiles import check_names
    from scanner.catalog.rules import load_profiles
    from scanner.settings.gate import SelectorError

    try:
        return check_names(names, load_profiles(), where)
    except ValueError as exc:
        raise SelectorError(str(exc)) from None


def _canonical_tokens(tokens: tuple[str, ...], catalog: list[Any], where: str) -> tuple[str, ...]:
    from scanner.settings.gate import canonical, vocabulary

    words = vocabulary(catalog)
    return tuple(canonical(token, catalog, words, where) for token in tokens)


def _canonical_selectors(config: Config, catalog: list[Any]) -> Config:
    """The file's `select`, `ignore` and `severity` in the catalog's spelling, each naming a rule."""
    from scanner.settings.gate import canonical_ids

    def where(key: str) -> str:
        return f"{config.settings_at.get(key, 'configuration')}: {key}"

    ids = {rule.id.casefold(): rule.id for rule in catalog}  # `rules:` ids are checked by the engine
    return replace(config, select=_canonical_tokens(config.select, catalog, where("select")),
                   profiles=_profile_names(config.profiles, where("profile")),
                   ignore=_canonical_tokens(config.ignore, catalog, where("ignore")),
                   severity_overrides=canonical_ids(dict(config.severity_overrides), catalog, where("severity")),
                   rule_options={ids.get(key.casefold(), key): value for key, value in config.rule_options.items()},
                   rule_options_at={ids.get(key.casefold(), key): at for key, at in config.rule_options_at.items()})


def _shown_path(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _report_targets(options: ScanOptions) -> list[tuple[str, Path | None]]:
    from scanner.report.formats import FORMATS

    if options.targets:
        targets = [(fmt.lower(), Path(out) if out else None) for fmt, out in options.targets]
    else:
        formats = options.formats or ("text",)
        targets = [(fmt.lower(), options.outputs[i] if i < len(options.outputs) else None)
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


def _sources(options: ScanOptions, config: Config, skipped: Any) -> tuple[list[Any], bytes | None, Any]:
    from scanner.inputs.discover import SourceFile, walk

    paths = options.paths or (".",)
    if "-" in paths:
        if len(paths) > 1 or options.hook:
            raise UsageError("`-` (standard input) cannot be combined with other paths or --hook")
        name = options.stdin_name or "stdin"
        return [SourceFile(Path(name), name)], sys.stdin.buffer.read(), None
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    if options.hook:  # the named files judged as part of the project (scanner.run.hook)
        from scanner.run.hook import hook_sources

        sources, focus = hook_sources(paths, config, not options.no_gitignore, skipped)
        return sources, None, focus
    outside = [p for p in paths if not contains(config.root, Path(p))]
    if outside:
        print(f"hullscan: warning: {outside[0]} is outside the project root {config.root}: its paths are "
              "reported as given, and as absolute file:// URIs in SARIF (set --root)", file=sys.stderr)
    return list(walk(paths, config.root, config.exclude, not options.no_gitignore, skipped)), None, None


def unwritable(path: Path) -> str:
    """Why a report or baseline can't be written to `path` ("" when it can). Checked before the
    scan, so that a mistyped `--output` costs a second, not a whole scan and then no report."""
    if path.is_dir():
        return "it is a folder"
    if path.exists():
        return "" if os.access(path, os.W_OK) else "it is not writable"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the folders below this one are created when the report is written
    if not folder.is_dir():
        return f"{folder} is not a folder"
    return "" if os.access(folder, os.W_OK | os.X_OK) else f"cannot create files in {folder}"


def _check_outputs(options: ScanOptions, targets: list[tuple[str, Path | None]]) -> None:
    for path in [out for _, out in targets if out is not None] + [p for p in [options.write_baseline] if p]:
        reason = unwritable(path)
        if reason:
            raise UsageError(f"cannot write {path}: {reason}")


def _with_deadline(config: Config, options: ScanOptions) -> Config:
    return replace(config, limits=replace(config.limits, deadline=options.deadline)) if options.deadline else config


def run_scan(options: ScanOptions) -> int:
    from scanner.inputs.discover import Skipped
    from scanner.run.engine import scan

    try:
        config = _with_deadline(build_config(options), options)
        targets = _report_targets(options)
        _check_outputs(options, targets)
        skipped = Skipped()
        sources, stdin_data, focus = _sources(options, config, skipped)
        result: ScanResult = _scan_or_say_why(scan, sources, config, stdin_data, focus)
        result.notes.extend(skipped.notes())
    except UsageError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return finish(result, options, config, targets)


def _scan_or_say_why(scan: Any, sources: list[Any], config: Config, stdin_data: bytes | None,
                     focus: Any = None) -> Any:
    """The scan's result; when it fails in a way nobody foresaw, an error line instead, so that
    every requested report is still written (and the run fails: the scan did not finish)."""
    from scanner.catalog.errors import CatalogError
    from scanner.results.findings import ScanError
    from scanner.results.result import ScanResult
    from scanner.run.progress import progress_on

    progress = progress_on(sys.stderr)
    try:
        return scan(sources, config, stdin_data, focus, progress)
    except CatalogError:
        raise
    except Exception as exc:
        if os.environ.get("HULLSCAN_DEBUG"):
            raise
        return ScanResult(errors=[ScanError(".", f"the scan stopped early: internal error ({type(exc).__name__}); "
                                                 "rerun with HULLSCAN_DEBUG=1 and report it")],
                          unfinished=["."])
    finally:
        if progress is not None:
            progress.close()


def finish(result: Any, options: ScanOptions, config: Config, targets: list[tuple[str, Path | None]]) -> int:
    """Baseline, reports and exit code: shared by `scan` and `image`."""
    from scanner.results import baseline
    from scanner.settings.load import describe

    if options.write_baseline:
        from scanner.report.neutral import neutral

        try:
            baseline.write(options.write_baseline, neutral(result).findings, describe(config))
        except OSError as exc:
            print(f"hullscan: cannot write {options.write_baseline}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
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
    from scanner.boundary import printable

    result.notes[:0] = config.notes
    # a hook run whose every named file is excluded judged nothing on purpose
    unjudged = _unjudged(result) if not (options.hook and not result.files) else []
    result.notes.extend(unjudged)
    reasons = _failures(result, config.fail_on, bool(unjudged), options.ignore_parse_errors)
    written = write_reports(result, options, config, targets, _verdict(result, config.fail_on, reasons))
    for note in result.notes:
        print(f"hullscan: {printable(result.exposure.mask(note))}", file=sys.stderr)
    if getattr(result, "unfinished", None):
        print(f"hullscan: {len(result.unfinished)} file(s) not scanned: the scan did not finish", file=sys.stderr)
    if not written:
        return EXIT_USAGE
    return EXIT_FINDINGS if reasons else EXIT_OK


def _failures(result: Any, fail_on: str, unjudged: bool, ignore_parse_errors: bool) -> list[str]:
    """Why the run fails (nothing when it passes), in the words the text report ends with."""
    from scanner.report.formats import pluralize

    reasons = []
    if fail_on != "never":
        gating = sum(1 for f in result.findings if severity_rank(f.severity) <= severity_rank(fail_on))
        if gating:
            reasons.append(f"{pluralize(gating, 'finding')} at or above {fail_on}")
        if unjudged:
            reasons.append("nothing was judged")
    if getattr(result, "unfinished", None):
        reasons.append(f"{pluralize(len(result.unfinished), 'file')} not scanned")
    if result.errors and not ignore_parse_errors:
        reasons.append(f"{pluralize(len(result.errors), 'error')}")
    return reasons


def _verdict(result: Any, fail_on: str, reasons: list[str]) -> str:
    if reasons:
        return "failed: " + ", ".join(reasons)
    if fail_on == "never":
        return "passed: --fail-on never"
    below = len(result.findings)
    return f"passed: no finding at or above {fail_on}" + (f" ({below} below it)" if below else "")


def text_width(stream: TextIO) -> int:
    """Where the text report wraps: `COLUMNS` when set, else the terminal's width when the report
    goes to one, else nowhere (a log, a pipe or a file keeps one line per finding for grep and
    editors)."""
    import shutil

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), 40)
    return max(shutil.get_terminal_size().columns, 40) if stream.isatty() else 0


def _unjudged(result: Any) -> list[str]:
    """A scan that judged nothing must not pass as clean: no file read, or no selected rule for
    the files' types (`--select DKR` on a tree of manifests)."""
    if result.errors:
        return []  # the errors say what went wrong, and already fail the run
    if not result.files:
        return ["no file was scanned (check the paths and `exclude:`); nothing was judged"]
    types = set(result.types)
    if not any(types & set(rule.kinds) for rule in result.rules):
        note = (f"no rule ran: none of the {len(result.rules)} selected rule(s) applies to the files "
                f"scanned ({', '.join(sorted(types))}); nothing was judged")
        return [note]
    return []


def write_reports(result: Any, options: ScanOptions, config: Config,
                  targets: list[tuple[str, Path | None]], verdict: str = "") -> bool:
    """Write every report; one that can't be written (the disk filled up) is said on standard
    error and the others are still written. Whether all were."""
    from scanner import __version__
    from scanner.report.formats import ReportOptions, render

    written = True
    if any(fmt == "sarif" for fmt, _ in targets) and getattr(result, "rules", None):
        from scanner.fix.suggest import suggestions

        result.suggested_fixes = suggestions(result, config)
    for fmt, output in targets:
        report_options = ReportOptions(
            root=config.root, sarif_category=options.sarif_category,
            color=output is None and fmt == "text" and _use_color(options, sys.stdout),
            show_suppressed=options.show_suppressed, tool_version=__version__, verdict=verdict,
            width=text_width(sys.stdout) if output is None and fmt == "text" else 0)
        rendered = render(fmt, result, report_options)
        if output is None:
            sys.stdout.write(rendered)
            sys.stdout.flush()
        else:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(rendered, encoding="utf-8")
            except OSError as exc:
                print(f"hullscan: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
                written = False
    return written


def scan_archive(path: Path, config: Config) -> ScanResult:
    """Findings of every selected image rule; an unreadable archive is one error, not a traceback."""
    from scanner.image.layers import ImageError
    from scanner.image.model import opened
    from scanner.inputs.discover import relative_name
    from scanner.inputs.parsed import ParsedFile
    from scanner.results.findings import ScanError
    from scanner.results.result import ScanResult
    from scanner.run.engine import scan_parsed

    display = relative_name(path, config.root.resolve())
    result = ScanResult()
    errors: list[str] = []
    notes: list[str] = []
    try:
        with opened(path, display, config.limits) as images:
            for image in images:
                image.allow_paths = config.secret_allow_paths
                image.allow_fingerprints = frozenset(config.secret_allow_fingerprints)
            scan_parsed([ParsedFile(rel=display, type="image", text="", tree=images, path=path)],
                        config, result)
            for image in images:
                errors.extend(image.errors)
                notes.extend(image.notes)
    except ImageError as exc:
        result.errors.append(ScanError(display, str(exc)))
        return result
    except OSError as exc:
        result.errors.append(ScanError(display, f"cannot read: {exc.strerror or exc}"))
        return result
    result.files = 1
    result.types = {"image": 1}
    # Images sharing a layer, and two rules reading the same damaged one, meet the same problem.
    result.errors.extend(ScanError(display, message) for message in dict.fromkeys(errors))
    result.notes.extend(f"{display}: {note}" for note in dict.fromkeys(notes))
    return result


def run_image(options: ScanOptions) -> int:
    try:
        config = build_config(options)
        targets = _report_targets(options)
        _check_outputs(options, targets)
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


def show_rules(output_format: str, profile: str = "") -> int:
    from scanner.catalog.docs import profiles_listing, rules_listing
    from scanner.catalog.rules import load_profiles

    if profile == "list":
        print(profiles_listing(output_format))
        return EXIT_OK
    if profile and profile.lower() not in {p.name for p in load_profiles()}:
        print(f"hullscan: no profile {profile!r} (`hullscan rules --profile list` lists them)", file=sys.stderr)
        return EXIT_USAGE
    print(rules_listing(output_format, profile=profile.lower()))
    return EXIT_OK


def explain_rule(rule_id: str) -> int:
    from scanner.catalog.docs import explain

    page = explain(rule_id)
    if page is None:
        print(f"hullscan: no rule {rule_id!r} (see `hullscan rules`)", file=sys.stderr)
        return EXIT_USAGE
    print(page)
    return EXIT_OK


def show_checklist(output_format: str) -> int:
    from scanner.catalog.docs import checklist_table

    print(checklist_table(output_format))
    return EXIT_OK


def show_config(config_file: Path | None) -> int:
    import json

    from scanner.settings.load import describe

    try:
        config = build_config(ScanOptions(config_file=config_file))
    except UsageError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(describe(config), indent=2))
    return EXIT_OK
