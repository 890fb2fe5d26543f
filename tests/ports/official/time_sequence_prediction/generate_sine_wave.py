# Source: pytorch/examples, time_sequence_prediction/generate_sine_wave.py
# (commit 2b456e809fe249f2153616578c116e4b2954ca18).
# License: BSD 3-Clause. Copyright (c) 2017 Pytorch contributors. All rights reserved.
# Ported to arraygrad. Lines changed beyond imports:
#   `L = 1000` -> `L = 12`: 12 time steps instead of 1000 so train.py's LSTM unroll fits a CI run.
# ruff: noqa
import numpy as np
import arraygrad as torch

np.random.seed(2)

T = 20
L = 12
N = 100

x = np.empty((N, L), "int64")
x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype("float64")
torch.save(data, open("traindata.pt", "wb"))
