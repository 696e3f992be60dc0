"""IPython startup file for nbval's kernels (``python dev.py test``, stage ``tests``): before every
``Network.train``, each weight is multiplied by (1 + 1e-12 u), u uniform in [-1, 1] from a seeded
generator. A stored output that such a change moves would also move with another machine's
arithmetic (another BLAS, no FMA): nbval then fails here instead of on a learner's laptop.

dev.py copies this file into a temporary IPython folder's profile_default/startup/ and points the
kernels at it with IPYTHONDIR (tests/test_infra_cpu.py checks that it reaches a kernel and moves
the weights). Everything happens inside one function, so nothing is left in a notebook's namespace."""


def _perturb_every_training():
    import functools

    import numpy as np

    import bpnet

    rng = np.random.default_rng(20261127)
    train = bpnet.Network.train

    @functools.wraps(train)
    def perturbed_train(self, *args, **kwargs):
        for w in self.W:
            w *= 1.0 + 1e-12 * rng.uniform(-1.0, 1.0, size=w.shape)
        return train(self, *args, **kwargs)

    bpnet.Network.train = perturbed_train


_perturb_every_training()
del _perturb_every_training
