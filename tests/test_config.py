import pytest

from lib.core.config import DEFAULT_STORE_URL, ConfigError, read_secrets_file, resolve
from lib.store.factory import open_store, sqlite_path


def test_defaults_to_the_embedded_store_without_any_configuration():
    config = resolve(env={}, secrets={})
    assert config.store_url == DEFAULT_STORE_URL and config.is_default_store
    assert sqlite_path(config.store_url).name == "debt.sqlite"


def test_environment_wins_over_secrets():
    secrets = {"store": {"url": "gsheets://fromsecrets123456"}, "gcp_service_account": {"type": "service_account"}}
    assert resolve(env={}, secrets=secrets).store_url == "gsheets://fromsecrets123456"
    assert resolve(env={"DEBT_STORE": "sqlite:///x.sqlite"}, secrets=secrets).store_url == "sqlite:///x.sqlite"
    assert resolve(env={}, secrets=secrets).service_account == {"type": "service_account"}


def test_a_missing_secrets_file_is_normal(tmp_path):
    assert read_secrets_file(tmp_path / "nope.toml") == {}


def test_a_broken_secrets_file_is_named(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("[store\nurl=")
    with pytest.raises(ConfigError, match="повреждён"):
        read_secrets_file(path)


def test_unknown_store_address_and_missing_credentials_are_explained():
    config = resolve(env={}, secrets={})
    with pytest.raises(ConfigError, match="Неизвестный адрес"):
        open_store("mysql://x", config)
    with pytest.raises(ConfigError, match="сервисный аккаунт"):
        open_store("gsheets://1AbCdEfGhIjKlMnOp", config)


def test_a_bad_cache_ttl_is_named():
    with pytest.raises(ConfigError, match="DEBT_CACHE_TTL"):
        resolve(env={"DEBT_CACHE_TTL": "полчаса"}, secrets={})


def test_sqlite_paths_are_relative_to_the_project(tmp_path):
    from lib.core.config import PROJECT_ROOT

    assert sqlite_path("sqlite:///data/x.sqlite") == PROJECT_ROOT / "data" / "x.sqlite"
    assert sqlite_path(f"sqlite:///{tmp_path}/y.sqlite") == tmp_path / "y.sqlite"
