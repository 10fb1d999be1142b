"""``search.config``: environment parsing and validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from search.config import DEFAULT_EXTRACT_COMMAND, Config, ConfigError


def test_defaults_when_the_environment_is_empty():
    config = Config.from_env({})
    assert config == Config()
    assert config.api_key is None
    assert config.cors_origins == ()
    assert config.extract_command == DEFAULT_EXTRACT_COMMAND


def test_every_variable_is_read(tmp_path):
    env = {
        "ANALYSIS_SEARCH_INDEX": str(tmp_path),
        "ANALYSIS_SEARCH_HOST": "0.0.0.0",
        "ANALYSIS_SEARCH_PORT": "9000",
        "ANALYSIS_SEARCH_THREADS": "3",
        "ANALYSIS_SEARCH_API_KEY": "k" * 20,
        "ANALYSIS_SEARCH_CORS_ORIGINS": " https://a.example/ , https://b.example",
        "ANALYSIS_SEARCH_CACHE_SIZE": "0",
        "ANALYSIS_SEARCH_TIME_LIMIT": "0.5",
        "ANALYSIS_SEARCH_REFRESH_INTERVAL": "1",
        "ANALYSIS_SEARCH_WRITER_TIMEOUT": "2.5",
        "ANALYSIS_SEARCH_LOG_LEVEL": "debug",
        "ANALYSIS_SEARCH_EXTRACT_COMMAND": "my-extract --jsonl '-'",
        "ANALYSIS_SEARCH_EXTRACT_TIMEOUT": "9",
        "ANALYSIS_SEARCH_MAX_BODY_BYTES": "1000",
        "ANALYSIS_SEARCH_CACHE_MAX_AGE": "0",
        "UNRELATED": "x",
    }
    config = Config.from_env(env).validate()
    assert config == Config(
        index=tmp_path,
        host="0.0.0.0",
        port=9000,
        threads=3,
        api_key="k" * 20,
        cors_origins=("https://a.example", "https://b.example"),
        cache_size=0,
        time_limit=0.5,
        refresh_interval=1.0,
        writer_timeout=2.5,
        log_level="DEBUG",
        extract_command=("my-extract", "--jsonl", "-"),
        extract_timeout=9.0,
        max_body_bytes=1000,
        cache_max_age=0,
    )


def test_overrides_win_and_none_is_ignored(tmp_path):
    env = {"ANALYSIS_SEARCH_PORT": "9000", "ANALYSIS_SEARCH_INDEX": "/elsewhere"}
    config = Config.from_env(env, index=str(tmp_path), port=None, threads=4)
    assert (config.index, config.port, config.threads) == (tmp_path, 9000, 4)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"ANALYSIS_SEARCH_PORT": "http"}, "ANALYSIS_SEARCH_PORT must be an integer"),
        ({"ANALYSIS_SEARCH_TIME_LIMIT": "long"}, "ANALYSIS_SEARCH_TIME_LIMIT must be"),
        ({"ANALYSIS_SEARCH_TIME_LIMIT": "inf"}, "TIME_LIMIT must be a finite number"),
        ({"ANALYSIS_SEARCH_WRITER_TIMEOUT": "nan"}, "WRITER_TIMEOUT must be a finite"),
        (
            {"ANALYSIS_SEARCH_EXTRACT_COMMAND": "x 'y"},
            "EXTRACT_COMMAND cannot be split",
        ),
    ],
)
def test_unconvertible_values(env, words):
    with pytest.raises(ConfigError, match=words):
        Config.from_env(env)


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"port": 0}, "ANALYSIS_SEARCH_PORT"),
        ({"port": 70000}, "ANALYSIS_SEARCH_PORT"),
        ({"threads": 0}, "ANALYSIS_SEARCH_THREADS"),
        ({"time_limit": 0}, "ANALYSIS_SEARCH_TIME_LIMIT"),
        ({"log_level": "LOUD"}, "ANALYSIS_SEARCH_LOG_LEVEL"),
        ({"api_key": "short"}, "ANALYSIS_SEARCH_API_KEY"),
        ({"cors_origins": ("*", "https://a.example")}, "ANALYSIS_SEARCH_CORS_ORIGINS"),
        ({"cors_origins": ("www.example.org",)}, "ANALYSIS_SEARCH_CORS_ORIGINS"),
        ({"cors_origins": ("https://a.example/path",)}, "ANALYSIS_SEARCH_CORS_ORIGINS"),
        ({"cors_origins": ("https://a.example:http",)}, "ANALYSIS_SEARCH_CORS_ORIGINS"),
        ({"extract_command": ()}, "ANALYSIS_SEARCH_EXTRACT_COMMAND"),
        ({"max_body_bytes": 0}, "ANALYSIS_SEARCH_MAX_BODY_BYTES"),
        ({"cache_max_age": -1}, "ANALYSIS_SEARCH_CACHE_MAX_AGE"),
        ({"index": Path("/no/such/index")}, "ANALYSIS_SEARCH_INDEX"),
    ],
)
def test_validate_names_the_variable(tmp_path, changes, variable):
    config = Config(**{"index": tmp_path, **changes})
    with pytest.raises(ConfigError, match=variable):
        config.validate()


def test_validate_can_skip_the_index_check():
    assert Config(index=Path("/no/such/index")).validate(check_index=False)


def test_settings_travel_to_worker_processes_as_environment_variables(tmp_path):
    config = Config(
        index=tmp_path,
        port=9001,
        workers=2,
        read_only=True,
        cors_origins=("https://a.example", "https://b.example"),
        extract_command=("python3", "-m", "indexer", "extract", "--site", "a b"),
        api_key="k" * 16,
        graceful_timeout=2.5,
        site_name="The Meridian Review",
    )
    assert Config.from_env(config.to_env()) == config
    assert Config.from_env(Config().to_env()) == Config()


@pytest.mark.parametrize("raw", ["maybe", "2"])
def test_a_boolean_setting_must_be_true_or_false(raw):
    with pytest.raises(ConfigError, match="ANALYSIS_SEARCH_READ_ONLY must be true"):
        Config.from_env({"ANALYSIS_SEARCH_READ_ONLY": raw})


def test_workers_zero_means_one_per_core():
    assert Config(workers=0).worker_count() == (os.cpu_count() or 1)
    assert Config(workers=3).worker_count() == 3
