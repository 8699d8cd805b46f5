"""Scale-out through joblib on a real dask.distributed cluster (loopback)."""

import joblib
import numpy as np
import pandas as pd
import pytest
import torch

from tests.conftest import TINY_CNN
from uqgenomics import EnsembleRegressor
from uqgenomics.stream import predict_fasta

distributed = pytest.importorskip("distributed", reason="the 'cluster' extra is not installed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_members_and_chunks_run_on_dask_workers(client, sequences, tmp_path):
    X, y, X_test, _ = sequences
    fasta = tmp_path / "test.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(X_test)))
    params = dict(TINY_CNN, n_estimators=2, device="cpu")

    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        model = EnsembleRegressor(**params).fit(X, y)
        n_rows = predict_fasta(model, fasta, tmp_path / "scores.tsv", chunk_size=40)
    # Two member fits and three chunks ran as cluster tasks.
    ran = [task for task in stream.data if task.get("status", "OK") == "OK"]
    assert len(ran) >= 5
    assert {task["worker"] for task in ran} <= set(client.scheduler_info()["workers"])

    # The same seeds give the same members as a local fit (dask workers run
    # torch on one thread: match it, float summation order depends on it).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = EnsembleRegressor(**params).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_allclose(model.predict_members(X_test), local.predict_members(X_test),
                               rtol=1e-5, atol=1e-6)
    table = pd.read_csv(tmp_path / "scores.tsv", sep="\t")
    assert n_rows == len(table) == len(X_test)
    np.testing.assert_allclose(table["mean"], local.predict(X_test), rtol=1e-5, atol=1e-6)
