"""What reports hide, decided by the secret detectors (`scanner.secrets.exposure`)."""

from __future__ import annotations

from scanner.inputs.parsed import ParsedFile
from scanner.parse.yaml import parse_manifests
from scanner.secrets.exposure import MASK, of_files

TOKEN = "ghp_" + "Zq4Lm8Rt2Wx6Ys0Np3Kv7Bj1Hd5Gf9Ce2Ua7"  # a GitHub token's shape, issued by no one


def exposure_of(rel: str, kind: str, text: str):
    tree = parse_manifests(text, rel) if kind == "kubernetes" else None
    return of_files([ParsedFile(rel, kind, text, tree)])


def test_a_flow_style_env_pair_hides_its_line() -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
            "  containers: [{name: web, env: [{name: DB_PASSWORD, value: 'Summer2024!'}]}]\n")
    exposure = exposure_of("pod.yaml", "kubernetes", text)
    assert [exposure.on_line("pod.yaml", n) for n in range(1, 6)] == [False, False, False, False, True]
    assert exposure.mask("env DB_PASSWORD is Summer2024!") == f"env DB_PASSWORD is {MASK}"


def test_a_token_is_masked_wherever_a_message_quotes_it() -> None:
    exposure = exposure_of("Dockerfile", "dockerfile", f'FROM a\nRUN curl -H "Authorization: Bearer {TOKEN}" x\n')
    assert exposure.on_line("Dockerfile", 2) and not exposure.on_line("Dockerfile", 1)
    assert TOKEN not in exposure.mask(f"pipes curl -H 'Authorization: Bearer {TOKEN}' into sh")
    assert exposure.mask(f"image registry/x:{TOKEN}") == f"image registry/x:{MASK}"


def test_a_token_from_no_scanned_file_is_masked_by_its_shape() -> None:
    assert exposure_of("empty", "text", "").mask(f"rendered {TOKEN} from values") == f"rendered {MASK} from values"


def test_a_short_doubtful_value_hides_its_line_but_not_every_word_like_it() -> None:
    exposure = exposure_of("app.env", "text", "DB_PASSWORD=admin\n")
    assert exposure.on_line("app.env", 1)
    assert exposure.mask("binds cluster-admin") == "binds cluster-admin"


def test_a_reference_is_not_a_value() -> None:
    assert not exposure_of("app.env", "text", "DB_PASSWORD=${DB_PASSWORD}\n").on_line("app.env", 1)


def test_values_never_show_in_repr() -> None:
    exposure = exposure_of("app.env", "text", "DB_PASSWORD=Summer2024!\n")
    assert "Summer2024!" not in repr(exposure)
