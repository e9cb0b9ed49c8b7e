"""The test LEMF's figures for Prometheus (the ``prometheus`` extra; all on 127.0.0.1)."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from _lemf_support import HOST, TIMEOUT, cc_records, plain_lemf, send
from _network_support import free_port, wait_for

from lawful_intercept.lemf import (
    LEMFConfigError,
    add_arguments,
    options_from_arguments,
    register_metrics,
    serve_metrics,
)

prometheus_client = pytest.importorskip("prometheus_client")


def test_the_registry_reads_the_summary_at_each_scrape(tmp_path: Path) -> None:
    registry = prometheus_client.CollectorRegistry()
    with plain_lemf(tmp_path / "out") as (lemf, port):
        register_metrics(lemf.summary, registry)
        before = prometheus_client.generate_latest(registry).decode()
        send(port, None, b"".join(cc_records(3)))
        assert lemf.wait_for(lambda s: s["records"] == 3, TIMEOUT)
        after = prometheus_client.generate_latest(registry).decode()
    assert "lawful_intercept_lemf_records_total 0.0" in before
    assert 'lawful_intercept_lemf_check_ran{check="etsi_sequence",format="etsi"} 0.0' in before
    assert "lawful_intercept_lemf_records_total 3.0" in after
    assert "lawful_intercept_lemf_connections_total 1.0" in after
    assert 'lawful_intercept_lemf_check_ran{check="etsi_sequence",format="etsi"} 1.0' in after
    assert ('lawful_intercept_lemf_check_problems{check="etsi_sequence",format="etsi"} 0.0'
            in after)
    # A check that did not run has no problems figure (it is not shown as passed).
    assert 'check_problems{check="etsi_integrity"' not in after


def test_served_over_http(tmp_path: Path) -> None:
    with plain_lemf(tmp_path / "out") as (lemf, port):
        stop, (host, metrics_port) = serve_metrics(lemf.summary, HOST, 0)
        try:
            send(port, None, cc_records(1)[0])
            assert lemf.wait_for(lambda s: s["records"] == 1, TIMEOUT)
            with urllib.request.urlopen(f"http://{host}:{metrics_port}/metrics",
                                        timeout=TIMEOUT) as answer:
                text = answer.read().decode()
        finally:
            stop()
    assert "lawful_intercept_lemf_records_total 1.0" in text


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(LEMFConfigError, match=r"lawful-intercept\[prometheus\]"):
        register_metrics(dict)
    with pytest.raises(TypeError, match="summary must be callable"):
        register_metrics(42)  # type: ignore[arg-type]


def test_the_command_line_takes_the_bounds_and_the_metrics_address() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--out", "x", "--insecure-plain-tcp", "--listen", "127.0.0.1:0",
                              "--max-handshakes", "8", "--memory-budget", "33554432",
                              "--idle-timeout", "0", "--metrics", "127.0.0.1:9464"])
    options = options_from_arguments(args)
    assert (options["max_handshakes"], options["memory_budget"], options["idle_timeout"]) == \
        (8, 33554432, None)
    assert args.metrics == ("127.0.0.1", 9464)


def test_the_entry_point_serves_metrics(tmp_path: Path) -> None:
    port = free_port()
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "lawful_intercept.lemf", "--out", str(tmp_path / "out"),
         "--insecure-plain-tcp", "--listen", f"{HOST}:0", "--ready-file", str(ready),
         "--metrics", f"{HOST}:{port}", "--log-level", "WARNING"],
        stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: ready.exists() or process.poll() is not None, 60)
        with urllib.request.urlopen(f"http://{HOST}:{port}/metrics",
                                    timeout=TIMEOUT) as answer:
            text = answer.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "lawful_intercept_lemf_connections_total 0.0" in text
