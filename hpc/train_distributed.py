"""Data-parallel training of the workshop CNN (notebook 06 as a batch job): one node, or several.

    python hpc/train_distributed.py --quick            # here: every GPU, else 2 logical CPU devices; model.fit
    srun python hpc/train_distributed.py               # SLURM, one task per node (or per GPU): several workers
    TF_CONFIG='{...}' python hpc/train_distributed.py  # any cluster described by TF_CONFIG
    python hpc/train_distributed.py --dry-run          # print the plan (cluster, strategy, folders) and stop

One process: ``MirroredStrategy`` over the local devices and ``model.fit`` with
BackupAndRestore, ModelCheckpoint, TensorBoard and ReduceLROnPlateau.
Several processes: ``MultiWorkerMirroredStrategy`` and a custom training loop
(``strategy.run`` in a ``tf.function``) with a ``tf.train.CheckpointManager``:
with Keras 3.15 / TensorFlow 2.21, ``model.fit`` under MultiWorkerMirroredStrategy
fails (keras-team/keras#20585); ``--loop fit`` there shows the failure.

A job writes everything under ``--run-dir`` (default ``runs/<SLURM job id>``, else ``runs/local``):
``backup/`` (state to resume from: a restarted or requeued job continues there),
``best.keras`` (fit: best validation accuracy) or ``final.keras`` (custom loop, chief),
``logs/`` (TensorBoard: ``tensorboard --logdir runs/<job id>/logs``) and
``summary-<task>.json`` per process (epochs run, losses, test accuracy, seed, a SHA-256 of the final weights).
A trainer locks its task's place in ``--run-dir`` (``.lock-<task>``): a second trainer on the same folder
refuses instead of silently overwriting the first one's run.  Several workers wait at most
``--rendezvous-timeout`` seconds for each other, then stop with a message instead of waiting for ever.
To train your own model, replace ``build_model`` and ``load_data``.
"""

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the kit's helpers, from any folder

import helpers  # noqa: E402
from helpers import cluster, distribute  # noqa: E402
from helpers.errors import OutputNotWritableError, RunDirBusyError, WorkshopError  # noqa: E402
from helpers.files import atomic_write  # noqa: E402


def _number(kind, minimum, maximum=None, above=False):
    """An argparse type: ``kind`` (int or float), finite, from ``minimum`` (or ``above`` it) to ``maximum``; else exit 2."""
    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        low_ok = value is not None and (value > minimum if above else value >= minimum)
        if not low_ok or not math.isfinite(value) or (maximum is not None and value > maximum):
            span = (f"> {minimum:g}" if above else f">= {minimum:g}") if maximum is None else f"from {minimum:g} to {maximum:g}"
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a finite number'} {span}")
        return value
    return convert


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=None, help="small data, few epochs")
    mode.add_argument("--full", dest="quick", action="store_false", help="all of MNIST [default: WORKSHOP_QUICK]")
    p.add_argument("--loop", choices=("auto", "fit", "custom"), default="auto",
                   help="auto: fit for one process, the custom loop for several")
    p.add_argument("--epochs", type=_number(int, 1, 10_000), default=None, help="total epochs (default: 3 quick, 12 full)")
    p.add_argument("--batch-size", type=_number(int, 1, 2**20), default=64, help="per replica; global = this × replicas")
    p.add_argument("--learning-rate", type=_number(float, 0, above=True), default=2e-3,
                   help="Adam's rate for one replica's batch; scaled × √replicas (the square-root rule)")
    p.add_argument("--cpu-devices", type=_number(int, 1, 64), default=2,
                   help="logical CPU devices without a GPU (one process)")
    p.add_argument("--limit", type=_number(int, 0), default=0, help="train on the first N samples only (0: all)")
    p.add_argument("--mixed-precision", action="store_true",
                   help="compute in float16 (fast on recent NVIDIA GPUs; runs, slowly, on a CPU)")
    p.add_argument("--pipeline", choices=("plain", "prefetch", "cache"), default="prefetch",
                   help="custom loop's input: plain batches, + prefetch (default), or cache + prefetch")
    p.add_argument("--seed", type=_number(int, 0, 2**32 - 1), default=42, help="random seed (recorded in the summary)")
    p.add_argument("--run-dir", type=Path, default=None, help="default runs/<SLURM_JOB_ID> or runs/local")
    p.add_argument("--rendezvous-timeout", type=_number(float, 0, above=True), default=600, metavar="SECONDS",
                   help="several workers: give up when the others have not all come after this long (default 600)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and exit without training")
    args = p.parse_args(argv)
    if args.run_dir is None:
        args.run_dir = Path("runs") / os.environ.get("SLURM_JOB_ID", "local")
    return args


def check_run_dir(run_dir):
    """Make ``--run-dir`` (and its parents), or raise OutputNotWritableError saying why and what to do."""
    if run_dir.exists() and not run_dir.is_dir():
        raise OutputNotWritableError(f"--run-dir {run_dir} is a file, not a folder. Nothing was trained. Fix: pass a "
                                     f"folder, e.g. `--run-dir runs/my-run`, or move the file away.")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputNotWritableError(f"--run-dir {run_dir} cannot be created: {err.strerror or err}. Nothing was "
                                     f"trained. Fix: pass a folder you may write, e.g. `--run-dir "
                                     f"$HOME/runs/my-run`.") from None


def lock_run_dir(run_dir, task):
    """Lock ``run_dir/.lock-<task>`` for as long as this process lives; return the open lock file.

    Raises:
        RunDirBusyError: another living trainer holds it (a killed one does not: the kernel drops its lock).
    """
    import fcntl

    check_run_dir(run_dir)
    handle = open(run_dir / f".lock-{task}", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunDirBusyError(f"{run_dir} is in use by another trainer ({task}; lock file {run_dir}/.lock-{task}): "
                              f"two runs in one folder would overwrite each other's checkpoints and summary. Nothing "
                              f"was trained. Fix: wait until it has finished, or give this run its own folder: "
                              f"`--run-dir runs/<another name>`.") from None
    return handle


_WATCH = """import os, select, signal, sys
ready, _, _ = select.select([sys.stdin], [], [], float(sys.argv[2]))
if not ready:  # no word from the trainer in time (end of input = cancelled, or the trainer died)
    print(sys.argv[3], file=sys.stderr, flush=True)
    os.kill(int(sys.argv[1]), signal.SIGKILL)  # TensorFlow ignores SIGTERM here; nothing was trained yet
"""


def rendezvous_deadline(seconds, task, resolver):
    """Stop this process when the cluster has not formed after ``seconds``; ``.stdin.close()`` cancels it.

    TensorFlow waits for the other workers inside C++ code that holds the GIL, so no Python thread could
    act: a small watcher process does, printing the message and then ending the trainer (SIGKILL).
    """
    import subprocess

    addresses = [a for job in resolver.cluster_spec().as_dict().values() for a in job]
    message = (f"error: {task} waited {seconds:g} s for the other workers ({', '.join(addresses)}) and not all of "
               f"them came. Nothing was trained. Fix: check that every worker started (their logs), that the "
               f"addresses in TF_CONFIG (or SLURM's node list) are right and reachable, or raise --rendezvous-timeout.")
    return subprocess.Popen([sys.executable, "-c", _WATCH, str(os.getpid()), str(seconds), message],
                            stdin=subprocess.PIPE)


def load_data(quick, limit, seed):
    """MNIST as bytes (n, 28, 28, 1), 0-255 (the model scales them): train, validation and test splits."""
    import numpy as np

    (x_train, y_train), (x_test, y_test) = helpers.load_mnist(quick=quick)
    x_train, x_test = x_train[..., np.newaxis], x_test[..., np.newaxis]
    n_val = 1000 if quick else 5000
    x_val, y_val = x_train[-n_val:], y_train[-n_val:]
    x_train, y_train = x_train[:-n_val], y_train[:-n_val]
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def build_model():
    """The CNN of notebook 04 with notebook 06's two changes: synchronised batch normalisation, a float32 output."""
    import keras

    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        L.Rescaling(1 / 255),
        L.Conv2D(32, 3, padding="same", use_bias=False), L.MaxPooling2D(2),
        L.BatchNormalization(momentum=0.9, synchronized=True), L.ReLU(),
        L.Conv2D(64, 3, padding="same", use_bias=False), L.MaxPooling2D(2),
        L.BatchNormalization(momentum=0.9, synchronized=True), L.ReLU(),
        L.Flatten(), L.Dropout(0.4), L.Dense(10, activation="softmax", dtype="float32"),
    ])


def weights_sha256(model, trainable_only=False):
    """A fingerprint of the weights, identical on two workers exactly when their weights are."""
    import numpy as np

    digest = hashlib.sha256()
    for w in (model.trainable_weights if trainable_only else model.weights):
        w = keras_numpy(w)
        digest.update(np.ascontiguousarray(w, dtype=np.float32).tobytes())
    return digest.hexdigest()


def keras_numpy(variable):
    """A Keras variable's value as a NumPy array."""
    import keras

    return keras.ops.convert_to_numpy(variable)


def train_fit(strategy, model, data, args, epochs, global_batch, timer):
    """``model.fit`` with the callbacks a preemptible batch job needs; returns (first epoch, per-epoch losses)."""
    import keras

    (x_train, y_train), (x_val, y_val), _ = data
    from helpers.run.summary import epoch_timer

    backup = args.run_dir / "backup"
    callbacks = [
        # resume here after preemption; deleted on success. double_checkpoint: a job killed while writing the
        # backup leaves a broken file; the restarted job then falls back to the previous epoch's copy.
        keras.callbacks.BackupAndRestore(str(backup), double_checkpoint=True),
        keras.callbacks.ModelCheckpoint(str(args.run_dir / "best.keras"), monitor="val_accuracy", save_best_only=True),
        keras.callbacks.TensorBoard(str(args.run_dir / "logs")),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2),
        epoch_timer(timer, training_only=True),  # training time per epoch, without the validation pass
    ]
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,
                        batch_size=global_batch, callbacks=callbacks, verbose=2)
    first = history.epoch[0] if history.epoch else epochs
    return first, [float(v) for v in history.history.get("loss", [])]


def train_custom(strategy, model, data, args, epochs, global_batch, learning_rate, timer):
    """The GradientTape loop, distributed; a CheckpointManager makes it resumable. Returns (first epoch, losses)."""
    import keras
    import tensorflow as tf

    (x_train, y_train), _, _ = data
    with strategy.scope():
        optimizer = keras.optimizers.Adam(learning_rate)
        if args.mixed_precision:
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(model.trainable_variables)  # now: a tf.function cannot create mirrored variables
        epoch = tf.Variable(0, dtype=tf.int64, trainable=False)  # epochs finished, saved with the weights
    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)

    def train_step(x, y):
        with tf.GradientTape() as tape:
            per_example = loss_fn(y, model(x, training=True))
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            scaled = optimizer.scale_loss(loss)  # mixed precision: scaled up so float16 gradients don't vanish
        grads = tape.gradient(scaled, model.trainable_variables)  # apply_gradients scales them back
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def distributed_step(x, y):
        per_replica = strategy.run(train_step, args=(x, y))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    def dataset(e):  # the same order on every worker, and after a restart: the seed follows the epoch
        ds = tf.data.Dataset.from_tensor_slices((x_train, y_train))
        ds = (ds.cache() if args.pipeline == "cache" else ds).shuffle(len(x_train), seed=args.seed + e)
        ds = ds.batch(global_batch, drop_remainder=True)
        ds = ds if args.pipeline == "plain" else ds.prefetch(tf.data.AUTOTUNE)  # next batch ready while training
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return strategy.experimental_distribute_dataset(ds.with_options(options))

    backup = args.run_dir / "backup"
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch)
    manager = tf.train.CheckpointManager(checkpoint, distribute.write_dir(backup, strategy), max_to_keep=2)
    if tf.train.latest_checkpoint(backup):  # every worker restores the chief's checkpoint
        checkpoint.restore(tf.train.latest_checkpoint(backup))
        print(f"resumed from {tf.train.latest_checkpoint(backup)}: {int(epoch.numpy())} epoch(s) done", flush=True)
    writer = tf.summary.create_file_writer(str(distribute.write_dir(args.run_dir / "logs" / "train", strategy)))
    first, losses = int(epoch.numpy()), []
    for e in range(first, epochs):
        start, total, steps = time.perf_counter(), 0.0, 0
        for x, y in dataset(e):
            total += float(distributed_step(x, y))
            steps += 1
        losses.append(total / max(steps, 1))
        timer.append(time.perf_counter() - start)
        print(f"epoch {e + 1}/{epochs}: loss {losses[-1]:.4f} ({steps} steps, "
              f"{time.perf_counter() - start:.1f} s)", flush=True)
        with writer.as_default():
            tf.summary.scalar("loss", losses[-1], step=e + 1)
        epoch.assign(e + 1)
        # Every worker saves (a collective); only the chief's copy is kept. The state file naming the latest
        # checkpoint is replaced last and atomically: a job killed while saving resumes from the previous one.
        manager.save(checkpoint_number=e + 1)
    writer.close()
    distribute.discard_write_dir(backup, strategy)
    distribute.discard_write_dir(args.run_dir / "logs" / "train", strategy)
    return first, losses


def main(argv=None):
    """Train, or stop with ``error: ...`` (exit 1) for a typed error: a bad folder, port or cluster."""
    try:
        return _main(parse_args(argv))
    except WorkshopError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1


def _main(args):
    if args.run_dir.exists() and not args.run_dir.is_dir():
        check_run_dir(args.run_dir)
    raw = os.environ.get("TF_CONFIG", "").strip()
    if raw and not args.dry_run:  # before TensorFlow: its own message names no port, and the others wait
        cluster.check_port_free(cluster.own_address(cluster.parse_tf_config(raw))[1], "TF_CONFIG")
    quick = helpers.quick_mode(args.quick)
    epochs = args.epochs if args.epochs is not None else (3 if quick else 12)
    resolver = distribute.cluster_resolver()  # before any TensorFlow op: MultiWorkerMirroredStrategy comes first
    task = f"{resolver.task_type}-{resolver.task_id}" if resolver is not None else "single"
    loop = args.loop if args.loop != "auto" else ("custom" if resolver is not None else "fit")
    if args.dry_run:
        plan = {"task": task, "strategy": "MultiWorkerMirroredStrategy" if resolver else "MirroredStrategy",
                "loop": loop, "cluster": resolver.cluster_spec().as_dict() if resolver else None,
                "chief": distribute.is_chief(resolver), "epochs": epochs, "mode": "quick" if quick else "full",
                "run_dir": str(args.run_dir), "resume_from": str(args.run_dir / "backup")}
        print(json.dumps(plan, indent=2))
        return 0
    lock = lock_run_dir(args.run_dir, task)  # noqa: F841 – held until the process ends
    tf = distribute.tensorflow()
    if resolver is not None:
        watcher = rendezvous_deadline(args.rendezvous_timeout, task, resolver)
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)  # waits for every worker
        watcher.stdin.close()  # the cluster is complete: the watcher ends
        watcher.wait()
    else:
        strategy = tf.distribute.MirroredStrategy(distribute.training_devices(args.cpu_devices))
    import keras

    keras.utils.set_random_seed(args.seed)
    replicas = strategy.num_replicas_in_sync
    name = "MultiWorkerMirroredStrategy" if resolver is not None else "MirroredStrategy"
    # the global batch is what fit and Dataset.batch take; Adam's rate grows with its square root (notebook 06)
    global_batch, learning_rate = args.batch_size * replicas, args.learning_rate * replicas ** 0.5
    print(f"{task}: {name}, {replicas} replica(s), global batch {global_batch}, "
          f"learning rate {learning_rate:g}, loop {loop}", flush=True)
    data = load_data(quick, args.limit, args.seed)
    if args.mixed_precision:
        if not tf.config.list_physical_devices("GPU"):
            print("note: mixed precision on a CPU is slower than float32; it pays off on GPUs", flush=True)
        keras.mixed_precision.set_global_policy("mixed_float16")  # fit's compile adds the loss scaling
    args.run_dir.mkdir(parents=True, exist_ok=True)
    with strategy.scope():
        model = build_model()
        if loop == "fit":
            model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
    start, epoch_seconds = time.perf_counter(), []
    if loop == "fit":
        try:
            first, losses = train_fit(strategy, model, data, args, epochs, global_batch, epoch_seconds)
        except ValueError as err:
            if resolver is None or "PerReplica" not in str(err):
                raise
            text = str(err) if len(str(err)) < 400 else f"{str(err)[:160]} … {str(err)[-120:]}"  # it prints tensors
            sys.exit(f"model.fit under MultiWorkerMirroredStrategy failed: {text}\nThis is keras-team/keras#20585 "
                     f"(Keras {keras.__version__}, TensorFlow {tf.__version__}). Fix: use --loop custom.")
    else:
        first, losses = train_custom(strategy, model, data, args, epochs, global_batch, learning_rate, epoch_seconds)
    seconds, n = time.perf_counter() - start, len(data[0][0])
    x_test, y_test = data[2]
    probs = model.predict(x_test, batch_size=256, verbose=0) if loop == "fit" else model(x_test, training=False)
    accuracy = float((keras.ops.convert_to_numpy(probs).argmax(axis=1) == y_test).mean())
    if loop == "custom" and distribute.is_chief(strategy):
        model.save(args.run_dir / "final.keras")
    summary = {"task": task, "chief": distribute.is_chief(strategy), "replicas": replicas, "loop": loop,
               "devices": list(strategy.extended.worker_devices),
               "global_batch_size": global_batch, "learning_rate": learning_rate, "first_epoch": first, "seed": args.seed,
               "mixed_precision": args.mixed_precision,
               "epochs": epochs, "losses": losses, "train_seconds": round(seconds, 3),
               "epoch_seconds": [round(t, 3) for t in epoch_seconds],
               "samples_per_epoch": n if loop == "fit" else n // global_batch * global_batch,
               "test_accuracy": accuracy, "weights_sha256": weights_sha256(model),
               "trainable_sha256": weights_sha256(model, trainable_only=True)}
    with atomic_write(args.run_dir / f"summary-{task}.json") as fh:  # a reader never sees half a summary
        fh.write(json.dumps(summary, indent=2) + "\n")
    print(f"{task}: epochs {first + 1}-{epochs} trained, test accuracy {accuracy:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
