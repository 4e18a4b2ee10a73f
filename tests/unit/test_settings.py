from pathlib import Path

import pytest
from pydantic import AliasChoices

from index.errors import ConfigError
from index.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def env_names() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.append(
            alias.choices[0] if isinstance(alias, AliasChoices) else f"NEWSBOT_{name.upper()}"
        )
    return names


def test_every_setting_has_a_description() -> None:
    assert all(f.description for f in Settings.model_fields.values())


def test_env_example_and_readme_document_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for env in env_names():
        assert f"# {env}=" in example, env
        assert env in readme, env


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "tok-SECRET-123")
    monkeypatch.setenv("NEWSBOT_LLM_API_KEY", "key-SECRET-456")
    s = load_settings()
    assert s.discord_token and s.discord_token.get_secret_value() == "tok-SECRET-123"
    for text in (str(s), repr(s), s.model_dump_json()):
        assert "SECRET" not in text


def test_bad_values_are_one_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_COLLECTION", "ab")
    with pytest.raises(ConfigError, match="collection: Value error, must be 3 to 63"):
        load_settings()
