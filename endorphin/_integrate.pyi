# Type stubs for the compiled module endorphin._integrate (private; use endorphin.core).
from collections.abc import Callable
from typing import Any

def _simulate(model: str, params: Any, t_out: Any, t0: float, breaks: Any, inputs: Any,
              dose_times: Any, dose_states: Any, dose_amounts: Any, y0: Any, out_idx: Any,
              rtol: float, atol: float, max_steps: int, threads: int, y: Any, status: Any,
              n_rhs: Any, n_accepted: Any, n_rejected: Any, fixed_step: float = ...,
              method: int = ..., n_jac: Any = ..., used_stiff: Any = ...,
              summary: Any = ..., thresholds: Any = ..., tsit5: bool = ...,
              lanes: bool = ..., demand: Any = ...) -> None: ...
def _models() -> list[tuple[str, str, tuple[str, ...], tuple[str, ...],
                            tuple[str, ...], tuple[str, ...], bool]]: ...
def _on_register(callback: Callable[[], object]) -> None: ...

_engine_api: Any
