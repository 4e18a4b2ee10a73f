"""Settings by owner: documented, blank is unset, typos warned, errors name the variable."""

from pathlib import Path

import pytest

import index.settings
from bot.settings import Settings, load_settings
from index.errors import ConfigError
from index.settings import IndexConfig, groups_of

ROOT = Path(__file__).resolve().parents[2]


def documented_names() -> list[str]:
    """The env name each setting is documented under (the first of its aliases)."""
    return [
        group.env_names(field)[0]
        for group in groups_of(Settings).values()
        for field in group.model_fields
    ]


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees its own unknown-name warnings (they are printed once per process)."""
    monkeypatch.setattr(index.settings, "_warned", set())


def write_env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text)
    return path


def test_every_setting_has_a_description() -> None:
    groups = groups_of(Settings)
    assert set(groups) == {"index", "retrieval", "feeds", "llm", "discord"}
    for group in groups.values():
        assert all(f.description for f in group.model_fields.values()), group


def test_env_example_and_readme_document_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    names = documented_names()
    assert "NEWSBOT_TOP_K" in names and "DISCORD_TOKEN" in names and "NEWSBOT_LLM_MODE" in names
    for env in names:
        assert f"# {env}=" in example, env
        assert env in readme, env


def test_groups_read_the_names_users_have_always_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = write_env(
        tmp_path,
        "NEWSBOT_TOP_K=3\nNEWSBOT_FEED_MAX_ENTRIES=7\nNEWSBOT_LLM_MODEL=m\n"
        "NEWSBOT_PROMPTS_DIR=/p\nNEWSBOT_DISCORD_TOKEN=tok\nDISCORD_GUILD_ID=42\n",
    )
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    s = load_settings(env)
    assert (s.retrieval.top_k, s.feeds.max_entries, s.llm.model) == (3, 7, "m")
    assert s.llm.prompts_dir == Path("/p") and s.discord.guild_id == 42
    assert s.discord.token and s.discord.token.get_secret_value() == "tok"
    assert s.index.data_dir == tmp_path / "data"
    assert isinstance(s, IndexConfig)  # what index code is handed


def test_overrides_are_named_like_the_variables() -> None:
    s = load_settings(None, top_k=2, feed_user_agent="ua", llm_mode="off", discord_sharded=True)
    assert (s.retrieval.top_k, s.feeds.user_agent, s.llm.mode, s.discord.sharded) == (
        2,
        "ua",
        "off",
        True,
    )
    with pytest.raises(TypeError, match="no setting is named 'topk'"):
        load_settings(None, topk=2)


def test_blank_values_are_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = write_env(
        tmp_path,
        "DISCORD_GUILD_ID=\nNEWSBOT_PROMPTS_DIR=\nNEWSBOT_LLM_GGUF_PATH=\n"
        "NEWSBOT_DISCORD_DIGEST_CHANNEL_ID=\nNEWSBOT_ANSWER_THRESHOLD=\nNEWSBOT_TOP_K=\n",
    )
    monkeypatch.setenv("NEWSBOT_CHUNK_OVERLAP", "")
    monkeypatch.setenv("DISCORD_TOKEN", "  ")
    s = load_settings(env)
    assert s.discord.guild_id is None and s.discord.digest_channel_id is None
    assert s.llm.prompts_dir is None and s.llm.gguf_path is None and not s.llm.enabled
    assert s.retrieval.answer_threshold is None and s.retrieval.top_k == 5
    assert s.index.chunk_overlap == 32
    assert s.discord.token is None or not s.discord.token.get_secret_value().strip()


def test_a_blank_environment_value_leaves_the_env_file_s_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = write_env(tmp_path, "NEWSBOT_TOP_K=4\n")
    monkeypatch.setenv("NEWSBOT_TOP_K", "")
    assert load_settings(env).retrieval.top_k == 4


def test_unknown_names_warn_once_with_a_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = write_env(tmp_path, "NEWSBOT_TOPK=2\nNEWSBOT_ZZZZZZZZ=1\n")
    monkeypatch.setenv("NEWSBOT_LLM_BASEURL", "http://h/v1")
    monkeypatch.setenv("NEWSBOT_DEBUG", "1")  # read elsewhere: not unknown
    s = load_settings(env)
    load_settings(env)
    assert s.retrieval.top_k == 5 and not s.llm.enabled  # a warning, not an error
    lines = capsys.readouterr().err.splitlines()
    assert sorted(lines) == sorted(
        [
            f"Unknown setting NEWSBOT_TOPK (from .env at {env}); did you mean NEWSBOT_TOP_K?",
            "Unknown setting NEWSBOT_ZZZZZZZZ (from .env at " + str(env) + ")",
            "Unknown setting NEWSBOT_LLM_BASEURL (from the environment); "
            "did you mean NEWSBOT_LLM_BASE_URL?",
        ]
    )


def test_errors_name_the_variable_and_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = write_env(tmp_path, "NEWSBOT_TOP_K=abc\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert str(caught.value).startswith(
        f"Bad setting NEWSBOT_TOP_K=abc (from {env}): Input should be a valid integer"
    )
    monkeypatch.setenv("NEWSBOT_DISCORD_GUILD_ID", "general")  # the alias users set
    monkeypatch.setenv("NEWSBOT_COLLECTION", "ab")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    message = str(caught.value)
    assert "Bad setting NEWSBOT_COLLECTION=ab (from the environment): must be 3 to 63" in message
    assert "Bad setting NEWSBOT_DISCORD_GUILD_ID=general (from the environment)" in message
    assert "\n" not in message and "top_k" not in message and "guild_id" not in message


def test_a_bad_secret_is_named_but_not_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, llm_api_key=["SECRET-in-a-list"])
    assert "NEWSBOT_LLM_API_KEY" in str(caught.value) and "SECRET" not in str(caught.value)


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "tok-SECRET-123")
    monkeypatch.setenv("NEWSBOT_LLM_API_KEY", "key-SECRET-456")
    s = load_settings(None)
    assert s.discord.token and s.discord.token.get_secret_value() == "tok-SECRET-123"
    for text in (str(s), repr(s), s.model_dump_json()):
        assert "SECRET" not in text


def test_secret_helpers_see_every_group() -> None:
    from bot.redact import secret_env_names, secret_values

    s = load_settings(None, discord_token="d-tok", llm_api_key="l-key", embed_api_key="e-key")
    assert sorted(secret_values(s)) == ["d-tok", "e-key", "l-key"]
    assert {"DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN", "NEWSBOT_LLM_API_KEY"} <= set(
        secret_env_names(Settings)
    )
    assert "NEWSBOT_EMBED_API_KEY" in secret_env_names(Settings)
