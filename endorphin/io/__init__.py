"""Files: scenario files (TOML, :mod:`endorphin.io.toml`).

Importing this package registers its readers and writers with
:class:`endorphin.Scenario` (``Scenario.from_toml``, ``Scenario.to_toml``).
Results go to netCDF and Zarr through xarray (``Result.to_xarray()``,
``LazyResult.to_netcdf``/``to_zarr``).
"""
from . import toml

__all__ = ["toml"]
