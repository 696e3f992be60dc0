"""bpnet: step through every number of backpropagation.

Four folders, each importing only the ones before it:

``bpnet.core``     the maths, numpy only: activations, losses, optimizers, ``Network`` and
                   ``Backprop`` (the equations), input checks, errors;
``bpnet.explain``  what records and explains: ``trace_step`` (one update micro-step by
                   micro-step), the scalar autograd, the mistake catalogue, the notation;
``bpnet.teach``    exercise checkers, network files and examples, published-number checks,
                   worksheets;
``bpnet.views``    steppers (pure state), plots and widgets (matplotlib and ipywidgets are
                   imported only there).

The names most used are importable from ``bpnet`` itself.
"""

import importlib
import importlib.abc
import importlib.util
import sys

from .core.activations import ACTIVATIONS, Activation, get_activation, register_activation
from .core.errors import DivergenceError
from .teach.examples import XOR_X, XOR_Y, WorkedExample, example_file, xor_example
from .core.losses import LOSSES, Loss, get_loss, register_loss
from .core.network import RULES, Backprop, Forward, Network
from .core.optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop, get_optimizer
from .core.notation import fmt
from .explain.trace import PHASES, MicroStep, State, Trace, trace_step
from .teach.netfile import NetworkFileError, load_network, save_network
from .teach.published import check_published

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "register_activation",
    "LOSSES", "Loss", "get_loss", "register_loss",
    "RULES", "Backprop", "Forward", "Network",
    "SGD", "Momentum", "RMSprop", "Adam", "AdaGrad", "get_optimizer",
    "DivergenceError",
    "PHASES", "MicroStep", "State", "Trace", "fmt", "trace_step",
    "XOR_X", "XOR_Y", "WorkedExample", "xor_example", "example_file",
    "load_network", "save_network", "NetworkFileError", "check_published",
]

#: Where each module of bpnet 0.1's flat layout lives now: ``import bpnet.widgets`` (and
#: ``from bpnet import widgets``) still work and give the module at its new place.
MOVED_MODULES = {
    "activations": "core.activations", "losses": "core.losses", "optimizers": "core.optimizers",
    "network": "core.network", "errors": "core.errors",
    "trace": "explain.trace", "graph": "explain.autograd", "mistakes": "explain.mistakes",
    "explorer": "explain.activation_reading",
    "exercises": "teach.exercises", "published": "teach.published", "netfile": "teach.netfile",
    "worksheet": "teach.worksheet", "examples": "teach.examples",
    "stepper": "views.stepper", "plots": "views.plots", "widgets": "views.widgets",
    "graph_plots": "views.graph_plots", "graph_widgets": "views.graph_widgets",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``bpnet.<old name>`` as the module now at ``bpnet.<new place>`` (the same object)."""

    def find_spec(self, fullname, path=None, target=None):
        old = fullname.partition("bpnet.")[2]
        if fullname.startswith("bpnet.") and old in MOVED_MODULES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(f"{__name__}.{MOVED_MODULES[spec.name.partition('.')[2]]}")
        spec.loader_state = module.__spec__  # the import system sets __spec__ to the old name's
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state  # executed already, at its new place


if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())
