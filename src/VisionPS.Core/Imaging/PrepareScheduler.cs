using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Runs many preparations on all cores: a bounded number in flight, results in input order as soon as each is
    /// ready, one result per input (a bad file never stops the others). Among the inputs read ahead, the costliest
    /// (largest file) starts first, so one big photo late in a batch does not run alone at the end.
    /// </summary>
    internal static class PrepareScheduler
    {
        /// <summary>Inputs read ahead of the oldest unfinished one (at least twice the decode limit).</summary>
        internal const int LookAhead = 16;

        public static IEnumerable<PrepareResult> RunMany(IEnumerable<(string Name, long Cost, Func<PreparedImage> Work)> items,
            int maxParallel, CancellationToken cancellationToken)
        {
            int degree = maxParallel > 0 ? maxParallel : Environment.ProcessorCount;
            // Finished results wait in the window until their turn, so memory stays bounded by the window's prepared
            // images; at most `degree` decode at once.
            int windowSize = Math.Max(degree * 2, LookAhead);
            var window = new Queue<Task<PrepareResult>>();
            var gate = new PriorityGate(degree);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                int index = 0;
                foreach ((string name, long cost, Func<PreparedImage> work) in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int i = index++;
                    window.Enqueue(RunOne(i, name, cost, work, gate, stop.Token));
                    if (window.Count >= windowSize)
                    {
                        yield return Take(window.Dequeue(), cancellationToken);
                    }
                }
                while (window.Count > 0)
                {
                    yield return Take(window.Dequeue(), cancellationToken);
                }
            }
            finally
            {
                stop.Cancel();
                // Let started work finish.
                foreach (Task<PrepareResult> t in window)
                {
                    try
                    {
                        t.Wait();
                    }
                    catch (AggregateException)
                    {
                    }
                }
            }
        }

        private static async Task<PrepareResult> RunOne(int index, string name, long cost, Func<PreparedImage> work,
            PriorityGate gate, CancellationToken token)
        {
            await gate.WaitAsync(cost, token).ConfigureAwait(false);
            try
            {
                token.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                try
                {
                    PreparedImage image = await Task.Run(work, token).ConfigureAwait(false);
                    return new PrepareResult(index, name, image, null, sw.Elapsed);
                }
                catch (Exception ex) when (ex is ImageProcessingException || ex is IOException || ex is UnauthorizedAccessException
                    || ex is ArgumentException || ex is NotSupportedException)
                {
                    return new PrepareResult(index, name, null, ex, sw.Elapsed);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
                {
                    // A defect in the image core on one file is that file's error, never the end of the batch; the
                    // original exception stays inside for -Debug.
                    return new PrepareResult(index, name, null, ImageProcessingException.DecodeFailed(name, ImageFormat.Unknown,
                        "the image core failed on it unexpectedly (a defect in VisionPS: please report it with the file)", ex), sw.Elapsed);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        private static PrepareResult Take(Task<PrepareResult> task, CancellationToken cancellationToken)
        {
            try
            {
                task.Wait(cancellationToken);
            }
            catch (AggregateException ex) when (ex.InnerException is OperationCanceledException oce)
            {
                throw oce;
            }
            return task.Result;
        }
    }

    /// <summary>
    /// A counting gate that admits the costliest waiter first (input order among equals). Waiters are few (the
    /// look-ahead window), so a list scan is enough.
    /// </summary>
    internal sealed class PriorityGate
    {
        private readonly object _lock = new object();
        private readonly List<Waiter> _waiters = new List<Waiter>();
        private int _free;
        private long _sequence;

        public PriorityGate(int slots)
        {
            _free = slots;
        }

        public Task WaitAsync(long cost, CancellationToken token)
        {
            var waiter = new Waiter(cost);
            lock (_lock)
            {
                if (_free > 0 && _waiters.Count == 0)
                {
                    _free--;
                    return Task.CompletedTask;
                }
                waiter.Sequence = _sequence++;
                _waiters.Add(waiter);
                if (token.CanBeCanceled)
                {
                    // Inside the lock, so Release never sees the waiter without its registration (a callback that runs
                    // at once, for a token already cancelled, re-enters the lock on this thread).
                    waiter.Registration = token.Register(() => Cancel(waiter, token));
                }
            }
            return waiter.Completion.Task;
        }

        public void Release()
        {
            Waiter? next = null;
            lock (_lock)
            {
                _free++;
                if (_waiters.Count > 0)
                {
                    int best = 0;
                    for (int i = 1; i < _waiters.Count; i++)
                    {
                        Waiter w = _waiters[i], b = _waiters[best];
                        if (w.Cost > b.Cost || (w.Cost == b.Cost && w.Sequence < b.Sequence))
                        {
                            best = i;
                        }
                    }
                    next = _waiters[best];
                    _waiters.RemoveAt(best);
                    _free--;
                }
            }
            // Outside the lock: disposing a registration waits for a cancel callback that may be waiting for the lock.
            if (next is not null)
            {
                next.Registration.Dispose();
                next.Completion.TrySetResult(true);
            }
        }

        private void Cancel(Waiter waiter, CancellationToken token)
        {
            lock (_lock)
            {
                if (!_waiters.Remove(waiter))
                {
                    return;
                }
            }
            waiter.Completion.TrySetCanceled(token);
        }

        private sealed class Waiter
        {
            public Waiter(long cost)
            {
                Cost = cost;
            }

            public long Cost { get; }

            public long Sequence { get; set; }

            public CancellationTokenRegistration Registration { get; set; }

            public TaskCompletionSource<bool> Completion { get; } =
                new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
