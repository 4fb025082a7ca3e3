"""NumPy corpus: NumPy's remaining everyday names (bool scalars, typecodes, ScalarType,
sctypeDict, flatiter, broadcast, the business-day helpers, the gufunc attributes)."""

SNIPPETS = r'''
#: true_false_scalars
out = (np.True_, np.False_, type(np.True_), bool(np.False_))
#: true_scalar_logic
out = (np.True_ & np.False_, np.True_ | np.False_, ~np.True_, np.True_ + np.True_)
#: where_bool_scalars
out = np.where(np.arange(4) > 1, np.True_, np.False_)
#: mask_with_true_scalar
out = np.full(3, np.True_)
#: little_endian
out = np.little_endian
#: typecodes_float
out = (np.typecodes["AllFloat"], np.arange(3.0).dtype.char in np.typecodes["AllFloat"],
       np.arange(3).dtype.char in np.typecodes["AllInteger"])
#: scalar_type_isinstance
out = [isinstance(x, np.ScalarType) for x in (1, 2.5, "a", [1], np.arange(3)[0],
                                               np.float32(1), np.arange(3.0)[1], np.arange(3))]
#: scalar_type_length
out = len(np.ScalarType)
#: sctypedict_lookup
out = (np.sctypeDict["float64"](1.5), np.sctypeDict["int"](3), np.sctypeDict["single"](0.5))
#: sctypedict_as_dtype
out = np.zeros(2, dtype=np.sctypeDict["int32"])
#: sctypedict_keys
out = sorted(k for k in np.sctypeDict if k.startswith("float"))
#: flatiter_isinstance
out = isinstance(np.arange(6).reshape(2, 3).flat, np.flatiter)
#: flatiter_read
f = np.arange(6).reshape(2, 3).flat
out = (f[4], list(f)[:2])
#: broadcast_attributes
b = np.broadcast(np.arange(3), np.arange(2).reshape(2, 1))
out = (b.shape, b.size, b.ndim, b.nd, b.numiter, b.index)
#: broadcast_iterate
b = np.broadcast(np.arange(3), np.array([[10], [20]]))
out = [x + y for x, y in b]
#: broadcast_next_reset
b = np.broadcast(np.array([1.5, 2.5]), 3)
first = next(b)
i = b.index
b.reset()
out = (first, i, b.index, next(b))
#: broadcast_fill_empty
x, y = np.array([[1], [2], [3]]), np.array([4, 5, 6])
b = np.broadcast(x, y)
out = np.empty(b.shape)
out[...] = np.array([u + v for (u, v) in b]).reshape(b.shape)
#: broadcast_of_broadcast
b = np.broadcast(np.arange(3), np.ones((2, 1)))
out = np.broadcast(b, 5).numiter
#: broadcast_mismatch_raises
out = np.broadcast(np.arange(3), np.arange(2))
#: busday_count_month
out = np.busday_count("2011-01", "2011-02")
#: busday_count_list
out = np.busday_count(["2011-07-01", "2011-07-04"], "2011-08-01")
#: busday_count_holidays
out = np.busday_count("2011-07-01", "2011-08-01", holidays=["2011-07-04"])
#: busday_count_negative
out = np.busday_count("2011-08-01", "2011-07-01")
#: is_busday_list
out = np.is_busday(["2011-07-01", "2011-07-02", "2011-07-03", "2011-07-04"])
#: is_busday_weekmask
out = np.is_busday("2011-07-02", weekmask="1111110")
#: busday_offset_forward
out = np.busday_offset("2011-10", 1, roll="forward")
#: busday_offset_offsets
out = np.busday_offset("2011-07-01", [0, 1, 5, -1])
#: busday_offset_not_busday_raises
out = np.busday_offset("2011-07-02", 1)
#: busday_offset_bad_roll
out = np.busday_offset("2011-07-01", 1, roll="sideways")
#: busdaycalendar_use
cal = np.busdaycalendar(weekmask="Mon Tue Wed Thu", holidays=["2011-07-04", "2011-07-05"])
out = (cal.weekmask, cal.holidays, np.busday_count("2011-07-01", "2011-08-01", busdaycal=cal))
#: busdaycalendar_and_weekmask_raises
cal = np.busdaycalendar()
out = np.is_busday("2011-07-01", weekmask="1111100", busdaycal=cal)
#: datetime_as_string_scalar
s = np.datetime_as_string(np.datetime64("2011-07-01T12:30"), unit="h")
out = (type(s).__name__, str(s))
#: datetime_as_string_utc
s = np.datetime_as_string(np.datetime64("2011-07-01T12:30"), timezone="UTC")
out = (type(s).__name__, str(s))
#: datetime_data_dtype
out = np.datetime_data(np.dtype("M8[5s]"))
#: datetime_data_timedelta
out = np.datetime_data(np.dtype("timedelta64[ms]"))
#: datetime_data_not_datetime_raises
out = np.datetime_data(np.dtype("float64"))
#: gufunc_attributes
out = [(f.__name__, f.nin, f.nout, f.identity, f.signature)
       for f in (np.matmul, np.matvec, np.vecmat, np.vecdot)]
'''
