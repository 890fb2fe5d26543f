"""``ag.compile``: a whole PyTorch-style step as one compiled program, where the backend can compile.

    @ag.compile
    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

On jax the first call *traces* the function: every tensor the function can reach without
receiving it — parameters, buffers, ``.grad``, optimizer state, the learning rate of each
parameter group, the random generator's counter — has its ``Storage`` cell's array swapped
for a placeholder, the Python code runs once, and the arrays found in those cells afterwards
are the outputs of one program (``Backend.compile_program``: ``jax.jit``, buffers donated).
Each later call runs that program and writes its outputs back into the same cells, so user
code and everything that holds the tensors (the optimizer, ``state_dict()``, views) see new
values as after an eager step. Backends that cannot compile (numpy, array-api-strict, cupy)
run the function eagerly.

What a program depends on is found by walking, on every call, what the function can reach:
its arguments, its closure, the globals it names, the objects of bound methods, and from
there modules (parameters, buffers, submodules, attributes), optimizers (groups, state),
schedulers, generators, and plain containers and objects. The walk gives the program's state
inputs and a *key* (shapes, dtypes, ``requires_grad``, whether a slot holds None, module
training flags and attributes, optimizer state structure and hyperparameters). A call whose
key matches a compiled program runs it; otherwise the function is traced again. Learning rates,
optimizer step counters and the random counter are program inputs, so schedulers do not cause
recompiles. Python code runs only while tracing, as in ``jax.jit``: a scheduler's ``step`` is
replayed on the host after each call (``tracing.defer``), value checks (index bounds) run on
the host after the program (``tracing.check_later``; a failed check leaves the state as before
the call), and reading a value on the host inside the function is an error naming the line.

One submodule per part: ``walk`` (the state a function reaches, and the key), ``program`` (what a
trace captures and how a program's outputs go back), ``function`` (``CompiledFunction`` and
``compile``) and ``errors`` (``CompileError``). Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.core.compiled.errors import (
    CompileError,
    _host_read_error,
    _user_frame,
)
from arraygrad.core.compiled.function import (
    _RETRY,
    CACHE_SIZE,
    WARN_AFTER,
    CompiledFunction,
    _autocast_key,
    _default_dtype_key,
    _describe_change,
    _short,
    compile,
)
from arraygrad.core.compiled.program import (
    _ROOT_STORAGES,
    _collect,
    _connect,
    _donatable,
    _install,
    _leaves,
    _Program,
    _rebind,
    _relink,
    _replace_args,
    _replay_host_calls,
    _root_of,
    _scalar_kind,
    _scalar_value,
    _Undo,
    _unflatten,
)
from arraygrad.core.compiled.walk import (
    _GRAD,
    _LIBRARY_DIRS,
    _OPAQUE,
    _PACKAGE_DIR,
    _SCALARS,
    CONTAINER_LIMIT,
    OBJECT_DEPTH,
    Walk,
    _attr,
    _flatten_args,
    _function_roots,
    _get_slot,
    _global_names,
    _hashable,
    _is_user_file,
    _kinds,
    _placeholder,
    _set_slot,
    _user_class,
)

__all__ = ["CompileError", "compile", "CompiledFunction"]
