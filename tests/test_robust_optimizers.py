"""Optimizers, initializers, regularizers and ``ewma`` that cannot be misused (issue 12).

1. All or nothing: a refused ``optimizer.apply`` leaves every parameter, every slot and
   ``iterations`` as they were, and the next good step is the one it would have been anyway.
2. No silent NaN: every hyperparameter that would make NaN or inf later is refused when given.
3. Errors name the argument (``learning_rate``, ``epsilon``, ``params[1]``...), never a bare
   ``float()`` ``TypeError`` or a broadcasting error from deep inside NumPy.
4. Keras's habits: ``initializers.get(None)`` is ``None``, ``L1([0.1])`` is a ``ValueError``.
"""
import copy
import inspect
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import initializers, optimizers, regularizers, schedules
from dlcore.layers import Dense
from dlcore.models import Sequential
from dlcore.utils import count_params, ewma

MODEST = settings(max_examples=60, deadline=None)

# Every optimizer dlcore exports, found by inspection, so a new one is covered without editing this file.
OPTIMIZER_CLASSES = sorted({obj for obj in vars(optimizers).values()
                            if inspect.isclass(obj) and issubclass(obj, optimizers.Optimizer)
                            and obj is not optimizers.Optimizer}, key=lambda c: c.__name__)
WITH_EPSILON = [c for c in OPTIMIZER_CLASSES if "epsilon" in inspect.signature(c).parameters]
NOT_NUMBERS = [None, "0.1", [0.1], (0.1,), np.array([0.1, 0.2]), True, object()]


def test_the_classes_are_found():
    names = {c.__name__ for c in OPTIMIZER_CLASSES}
    assert {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta"} <= names
    assert {c.__name__ for c in WITH_EPSILON} >= {"Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta"}


# --- 1. a refused apply changes nothing ------------------------------------------------------
def _make(cls, variant, schedule=None):
    kwargs = {}
    if cls is optimizers.SGD:
        kwargs = [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}][variant % 3]
    if variant % 2 and cls is not optimizers.AdamW:
        kwargs["weight_decay"] = 0.01
    return cls(learning_rate=schedule or 0.05, **kwargs)


def _snapshot(opt, params):
    return ([p.copy() for p in params], copy.deepcopy(opt._slots), opt.iterations,
            copy.deepcopy(getattr(opt, "_built_for", None)))


def _assert_same(a, b):
    params_a, slots_a, it_a, built_a = a
    params_b, slots_b, it_b, built_b = b
    assert it_a == it_b
    assert built_a == built_b
    assert len(params_a) == len(params_b)
    for x, y in zip(params_a, params_b):
        assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
    assert (slots_a is None) == (slots_b is None)
    for sa, sb in zip(slots_a or [], slots_b or []):
        assert sa.keys() == sb.keys()
        for k in sa:
            if k in ("tmp", "delta"):  # scratch space, overwritten before it is read
                continue
            assert np.array_equal(sa[k], sb[k], equal_nan=True), k


FAULTS = ["nan", "inf", "grad_shape", "grad_count", "grad_dtype", "int_param", "list_param",
          "readonly_param", "other_model", "schedule"]


@st.composite
def apply_cases(draw):
    cls = draw(st.sampled_from(OPTIMIZER_CLASSES))
    shapes = draw(st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple),
                           min_size=1, max_size=4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    fault = draw(st.sampled_from(FAULTS))
    warmup = draw(st.integers(1 if fault == "other_model" else 0, 3))
    if fault == "other_model":  # the second model differs in its last parameter: the first ones would step
        shapes = shapes + [draw(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple))]
        where = len(shapes) - 1
    else:
        where = draw(st.integers(0, len(shapes) - 1))
    return cls, draw(st.integers(0, 5)), shapes, dtype, warmup, fault, where, draw(st.integers(0, 2**32 - 1))


@MODEST
@given(apply_cases())
def test_a_refused_apply_leaves_params_slots_and_iterations_unchanged(case):
    """Whatever is wrong, and wherever it sits in the list (first, middle, last), nothing moves;
    the next good step then equals the step of a twin optimizer that never saw the bad call."""
    cls, variant, shapes, dtype, warmup, fault, where, seed = case
    rng = np.random.default_rng(seed)
    bad_rate = {"schedule": np.nan}.get(fault, 0.05)
    schedule = (lambda step: 0.05 if step < warmup else bad_rate) if fault == "schedule" else None
    opt, twin = _make(cls, variant, schedule), _make(cls, variant, schedule)
    params = [rng.normal(size=s).astype(dtype) for s in shapes]
    twin_params = [p.copy() for p in params]
    steps = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(warmup + 1)]
    for grads in steps[:warmup]:
        opt.apply(grads, params)
        twin.apply([g.copy() for g in grads], twin_params)

    grads, call_params = [g.copy() for g in steps[warmup]], list(params)
    if fault in ("nan", "inf"):
        grads[where].flat[rng.integers(grads[where].size)] = np.nan if fault == "nan" else -np.inf
    elif fault == "grad_shape":
        grads[where] = np.zeros(grads[where].shape + (2,), dtype)
    elif fault == "grad_count":
        del grads[where]
    elif fault == "grad_dtype":
        grads[where] = grads[where].astype(np.complex128)
    elif fault == "int_param":
        call_params[where] = np.zeros(shapes[where], dtype=np.int64)
    elif fault == "list_param":
        call_params[where] = params[where].tolist()
    elif fault == "readonly_param":
        call_params[where] = params[where].copy()
        call_params[where].flags.writeable = False
    elif fault == "other_model":
        call_params[where] = np.zeros(shapes[where] + (3,), dtype)
        grads[where] = np.zeros(shapes[where] + (3,), dtype)

    before = _snapshot(opt, params)
    with pytest.raises(ValueError):
        opt.apply(grads, call_params)
    _assert_same(_snapshot(opt, params), before)

    if fault == "schedule":
        return  # the schedule stays bad; that it changed nothing is checked above
    opt.apply(steps[warmup], params)
    twin.apply([g.copy() for g in steps[warmup]], twin_params)
    _assert_same(_snapshot(opt, params), _snapshot(twin, twin_params))


@MODEST
@given(st.sampled_from([16, 32, 64]).flatmap(lambda bits: hnp.arrays(
           np.dtype(f"float{bits}"), hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
           elements=st.floats(width=bits) | st.sampled_from([np.finfo(f"float{bits}").max, np.nan, np.inf]))),
       st.booleans())
def test_the_fast_finiteness_test_agrees_with_isfinite(g, strided):
    """The optimizers test g.g instead of isfinite(g) (faster); a huge but finite gradient, whose
    sum of squares overflows, must still pass, and any NaN or inf must still be caught, warnings
    raised as errors included (``fit`` runs its step under ``np.errstate(over="raise")``)."""
    g = g[..., ::2] if strided and g.ndim else g
    opt, w = optimizers.SGD(1e-300), np.zeros(g.shape, g.dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # as in Sequential.train_on_batch
        if np.all(np.isfinite(g)):
            opt.apply([g], [w])
            assert opt.iterations == 1
        else:
            with pytest.raises(ValueError, match="NaN or inf"):
                opt.apply([g], [w])


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_nan_in_the_last_gradient_steps_no_earlier_parameter(cls):
    """The example of the issue: with a NaN only in the last gradient, the first parameter and its
    slots were already stepped."""
    opt = cls(learning_rate=0.1)
    params = [np.ones((3, 2)), np.ones(2)]
    opt.apply([np.ones((3, 2)), np.ones(2)], params)
    before = _snapshot(opt, params)
    with pytest.raises(ValueError, match=r"NaN or inf \(grads\[1\]\)"):
        opt.apply([np.ones((3, 2)), np.array([1.0, np.nan])], params)
    _assert_same(_snapshot(opt, params), before)
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) for a parameter of shape \(2,\)"):
        opt.apply([np.ones((3, 2)), np.ones(3)], params)
    _assert_same(_snapshot(opt, params), before)


def test_a_first_apply_that_is_refused_builds_no_slots():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="NaN or inf"):
        opt.apply([np.ones(2), np.array([np.inf])], [np.zeros(2), np.zeros(1)])
    assert opt._slots is None and opt.iterations == 0
    opt.apply([np.ones(3)], [np.zeros(3)])  # free to be built for whatever comes first
    assert opt._slots[0]["m"].shape == (3,)


# --- 2. hyperparameters that would make NaN or inf later ----------------------------------------
@pytest.mark.parametrize("cls", WITH_EPSILON, ids=lambda c: c.__name__)
@pytest.mark.parametrize("epsilon", [0.0, -1e-7, np.nan, np.inf, -np.inf])
def test_every_optimizer_refuses_a_non_positive_epsilon(cls, epsilon):
    """One rule for every optimizer: epsilon > 0 (Adam's 0 gives 0/0 for a zero gradient entry)."""
    with pytest.raises(ValueError, match="epsilon must be a positive number"):
        cls(epsilon=epsilon)


@pytest.mark.parametrize("cls", WITH_EPSILON, ids=lambda c: c.__name__)
@pytest.mark.parametrize("epsilon, becomes", [(1e-50, "0.0"), (1e300, "inf")])
def test_an_epsilon_the_parameters_dtype_cannot_hold_is_refused(cls, epsilon, becomes):
    """Positive and finite in float64, 0 or inf in float32: 0/0 or inf*0 (Adadelta) gives NaN."""
    opt = cls(epsilon=epsilon)
    with pytest.raises(ValueError, match=re.escape(f"epsilon={epsilon} is {becomes} in float32")):
        opt.apply([np.zeros(3, np.float32)], [np.ones(3, np.float32)])
    assert opt._slots is None
    opt.apply([np.zeros(3)], [np.ones(3)])  # fine in float64


def test_adagrad_refuses_an_initial_accumulator_the_dtype_cannot_hold():
    opt = optimizers.Adagrad(initial_accumulator_value=1e300)  # inf in float32: every step would be 0
    with pytest.raises(ValueError, match=re.escape("initial_accumulator_value=1e+300 is inf in float32")):
        opt.apply([np.ones(2, np.float32)], [np.zeros(2, np.float32)])
    assert opt._slots is None


@pytest.mark.parametrize("value", [-0.1, -1e-12, np.nan, np.inf])
def test_adagrad_refuses_a_negative_initial_accumulator(value):
    with pytest.raises(ValueError, match="initial_accumulator_value must be a number >= 0"):
        optimizers.Adagrad(initial_accumulator_value=value)


@MODEST
@given(cls=st.sampled_from(WITH_EPSILON),
       epsilon=st.floats(allow_nan=True, allow_infinity=True),
       accumulator=st.floats(allow_nan=True, allow_infinity=True),
       dtype=st.sampled_from([np.float32, np.float64]),
       steps=st.integers(1, 4))
def test_an_accepted_optimizer_never_turns_zero_gradients_into_nan(cls, epsilon, accumulator, dtype, steps):
    """Either the constructor (or the first apply) refuses the hyperparameters, or weights stay finite
    when gradient entries are exactly zero (0/0 is the danger: zero accumulators, zero epsilon)."""
    kwargs = {"epsilon": epsilon}
    if cls is optimizers.Adagrad:
        kwargs["initial_accumulator_value"] = accumulator
    try:
        opt = cls(learning_rate=0.01, **kwargs)
    except ValueError:
        return
    w = np.ones(4, dtype)
    g = np.array([0.0, 0.0, 0.5, -0.5], dtype)
    for _ in range(steps):
        try:
            opt.apply([g], [w])
        except ValueError:
            assert opt.iterations == 0 and np.all(w == 1)  # refused when built, before any change
            return
    assert np.all(np.isfinite(w)), (epsilon, accumulator, w)
    if not opt.weight_decay:
        assert np.all(w[:2] == 1)  # a zero gradient entry moves nothing


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, None, "0.5", [0.5]])
def test_constant_initializer_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ValueError, match="value must be a finite number"):
        initializers.constant(value)


@pytest.mark.parametrize("call, name", [
    (lambda: initializers.random_normal((2, 2), mean=np.nan), "mean"),
    (lambda: initializers.random_normal((2, 2), stddev=np.inf), "stddev"),
    (lambda: initializers.random_normal((2, 2), stddev=-0.1), "stddev"),
    (lambda: initializers.random_uniform((2, 2), minval=-np.inf), "minval"),
    (lambda: initializers.random_uniform((2, 2), maxval=np.nan), "maxval"),
    (lambda: initializers.random_uniform((2, 2), minval=1.0, maxval=0.0), "minval must not exceed maxval"),
    (lambda: initializers.truncated_normal((2, 2), stddev=np.nan), "stddev"),
    (lambda: initializers.truncated_normal((2, 2), stddev=1.0, mean=np.inf), "mean"),
])
def test_random_initializers_refuse_arguments_that_give_nan_weights(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("v0", [np.nan, np.inf, -np.inf, None, "0", [0.0]])
def test_ewma_refuses_a_start_that_is_not_a_finite_number(v0):
    with pytest.raises(ValueError, match="v0 must be a finite number"):
        ewma([1.0, 2.0, 3.0], 0.9, v0=v0)


def test_ewma_still_averages():
    np.testing.assert_allclose(ewma([1.0, 1.0], 0.5, v0=1.0), [1.0, 1.0])
    np.testing.assert_allclose(ewma([2.0], 0.5, bias_correction=True), [2.0])


@pytest.mark.parametrize("shape", [(2.5, 3), (3, 2.0), (True, 2), ("3", 2), 2.5])
def test_initializer_shapes_are_refused_not_truncated(shape):
    """Keras's ``standardize_shape`` refuses floats even when they are whole; int() would truncate 2.5."""
    with pytest.raises(ValueError, match="shape must be a tuple of positive integers"):
        initializers.glorot_uniform(shape)


def test_count_params_refuses_sizes_that_are_not_integers():
    with pytest.raises(ValueError, match="layer_sizes must be integers"):
        count_params([4, 2.5, 1])
    assert count_params(np.array([4, 3, 2, 1])) == 26


# --- 3. errors that name the argument -------------------------------------------------------
@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", NOT_NUMBERS, ids=["None", "str", "list", "tuple", "array", "bool", "object"])
def test_every_numeric_hyperparameter_names_itself_when_it_is_not_a_number(cls, value):
    """Found from the signature, so a new hyperparameter is covered: learning_rate=None used to
    raise float()'s bare TypeError, and learning_rate="0.1" was silently read as 0.1."""
    for name, param in inspect.signature(cls).parameters.items():
        if isinstance(param.default, bool):
            continue  # nesterov: a flag, not a number
        if value is None and param.default is None and name == "weight_decay" and cls is not optimizers.AdamW:
            continue  # weight_decay=None means "off", as in Keras
        with pytest.raises(ValueError, match=rf"^{name} must be"):
            cls(**{name: value})


def test_learning_rate_none_is_named():
    with pytest.raises(ValueError, match="learning_rate must be a positive number, got None"):
        optimizers.Adam(learning_rate=None)
    opt = optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="learning_rate must be a positive number, got None"):
        opt.learning_rate = None
    assert opt.learning_rate == 0.1


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_integer_parameters_are_refused_naming_the_dtype(cls, dtype):
    with pytest.raises(ValueError, match=rf"params\[0\] has dtype {np.dtype(dtype)}.*floating-point"):
        cls(learning_rate=0.1).apply([np.ones(3)], [np.zeros(3, dtype)])


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_reusing_an_optimizer_for_other_shapes_names_both(cls):
    """Keras refuses an optimizer built for other variables; dlcore says so with both lists of shapes."""
    opt = cls(learning_rate=0.1)
    opt.apply([np.ones((4, 3)), np.ones(3)], [np.zeros((4, 3)), np.zeros(3)])
    message = (r"built for 2 parameters of shapes \[\(4, 3\), \(3,\)\] \(float64\).*"
               r"cannot update a different list of parameters: 2 of shapes \[\(5, 3\), \(3,\)\].*new optimizer")
    with pytest.raises(ValueError, match=message):
        opt.apply([np.ones((5, 3)), np.ones(3)], [np.zeros((5, 3)), np.zeros(3)])
    with pytest.raises(ValueError, match=r"\(float64\).*\(float32\)"):
        opt.apply([np.ones((4, 3)), np.ones(3)], [np.zeros((4, 3), np.float32), np.zeros(3, np.float32)])


def test_one_optimizer_for_two_models_is_refused_before_the_second_changes():
    shared = optimizers.Adam(0.01)
    first = Sequential([Dense(3, 2, rng=np.random.default_rng(0))])
    first.compile(shared, "mse")
    first.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    second = Sequential([Dense(5, 2, rng=np.random.default_rng(1))])
    second.compile(shared, "mse")
    before = [w.copy() for w in second.get_weights()]
    with pytest.raises(ValueError, match=r"built for 2 parameters of shapes \[\(3, 2\), \(2,\)\]"):
        second.fit(np.ones((4, 5)), np.ones((4, 2)), epochs=1, verbose=0)
    for w, b in zip(second.get_weights(), before):
        np.testing.assert_array_equal(w, b)


def test_a_bad_schedule_rate_is_refused_before_any_change():
    opt = optimizers.Adam(schedules.ExponentialDecay(0.01, 10, 0.9))
    opt.learning_rate  # a good schedule
    bad = optimizers.SGD(lambda step: "fast")
    with pytest.raises(ValueError, match="learning_rate schedule at step 0 must be a number >= 0, got 'fast'"):
        bad.apply([np.ones(2)], [np.zeros(2)])
    assert bad._slots is None and bad.iterations == 0


# --- 4. Keras's habits ------------------------------------------------------------------------
def test_initializers_get_none_is_none_as_in_keras():
    assert initializers.get(None) is None
    assert initializers.get("zeros") is initializers.zeros


def test_dense_given_none_uses_its_default_initializers():
    layer = Dense(3, 2, kernel_initializer=None, bias_initializer=None, rng=np.random.default_rng(0))
    reference = Dense(3, 2, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(layer.W, reference.W)
    np.testing.assert_array_equal(layer.b, np.zeros(2))


@pytest.mark.parametrize("cls, name", [(regularizers.L1, "l1"), (regularizers.L2, "l2")])
@pytest.mark.parametrize("value", [[0.1], (0.1,), "0.1", np.array([0.1]), True, -0.1, np.nan, np.inf])
def test_regularizer_factor_that_is_not_one_number_is_a_value_error(cls, name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        cls(value)


def test_regularizer_none_means_the_default_as_in_keras():
    assert regularizers.L1(None).l1 == 0.01
    assert regularizers.L2(None).l2 == 0.01
    assert regularizers.L1(np.float32(0.5)).l1 == 0.5


def test_integer_seeds_are_accepted_by_the_initializers():
    for f in (initializers.glorot_uniform, initializers.he_normal, initializers.random_normal,
              initializers.random_uniform, initializers.lecun_normal):
        np.testing.assert_array_equal(f((4, 3), 7), f((4, 3), np.random.default_rng(7)))
    with pytest.raises(ValueError, match="rng must be None, an integer seed"):
        initializers.glorot_uniform((4, 3), rng="seed")


@pytest.mark.parametrize("value", [[0.1], "0.1", None, -1.0, np.nan, np.inf, 0.1, 0, 2])
def test_regularizer_arguments_agree_with_keras(value):
    """Keras raises ValueError exactly where dlcore does (bools and float32 scalars aside, where
    Keras's isinstance test is accidental: True is an int, np.float32 is not a float)."""
    pytest.importorskip("tensorflow")
    import keras

    for keras_cls, ours in ((keras.regularizers.L1, regularizers.L1), (keras.regularizers.L2, regularizers.L2)):
        try:
            keras_cls(value)
            keras_raises = False
        except ValueError:
            keras_raises = True
        try:
            ours(value)
            ours_raises = False
        except ValueError:
            ours_raises = True
        assert ours_raises == keras_raises, (keras_cls, value)
    assert keras.initializers.get(None) is None and initializers.get(None) is None
