"""bpnet: step through every number of backpropagation.

The maths (numpy only): ``Network``, activations, losses, optimizers, and
``trace_step``, which records one update micro-step by micro-step. Plots and
widgets live in ``bpnet.plots`` and ``bpnet.widgets`` and import matplotlib and
ipywidgets only when used.
"""

from .activations import ACTIVATIONS, Activation, get_activation, register_activation
from .errors import DivergenceError
from .examples import XOR_X, XOR_Y, WorkedExample, example_file, xor_example
from .losses import LOSSES, Loss, get_loss, register_loss
from .network import RULES, Backprop, Forward, Network
from .optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop, get_optimizer
from .trace import PHASES, MicroStep, State, Trace, fmt, trace_step
from .netfile import NetworkFileError, load_network, save_network
from .published import check_published

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
