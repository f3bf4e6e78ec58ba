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
    /// (<see cref="Cost"/>) starts first, so one big photo late in a batch does not run alone at the end; nothing starts
    /// until the look-ahead window is full, the inputs end or <see cref="GatherDelay"/> passes, so the first inputs do
    /// not take the cores from a costlier one just behind them. The oldest waiting input is passed over at most twice
    /// the number of slots (<see cref="PriorityGate"/>), so the first result, which the caller waits for, comes soon.
    /// </summary>
    internal static class PrepareScheduler
    {
        /// <summary>
        /// Inputs read ahead of the oldest unfinished one (at least twice the decode limit). Finished results wait in
        /// the window for their turn, so it also bounds how many prepared images are held at once.
        /// </summary>
        internal const int LookAhead = 32;

        /// <summary>How long the first input waits for the window to fill before work starts anyway (slow input).</summary>
        internal static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(20);

        /// <summary>Bytes of a file's start that <see cref="Cost"/> reads (a PNG's signature and IHDR).</summary>
        internal const int CostHeaderBytes = 33;

        /// <summary>
        /// A rough estimate of the work a file takes, from its first bytes and length, for ordering only: a JPEG costs
        /// about twice its length (entropy decoding, per compressed byte, dominates); a PNG the bytes of its pixel data
        /// (inflate, resize and re-encode, per byte), a quarter of that when it fits the size box and may pass through
        /// after one inflate; anything else its length.
        /// </summary>
        internal static long Cost(ReadOnlySpan<byte> head, long length, PrepareOptions options)
        {
            switch (FormatSniffer.Sniff(head))
            {
                case ImageFormat.Jpeg:
                    return length * 2;
                case ImageFormat.Png when ContainerHeaders.Png(head) is ImageHeader png:
                    // A hostile IHDR can make this wrap; the cost only orders the work, and never goes below the length.
                    long raw = ImageIntegrity.PngRawBytes(png, out _);
                    bool fits = png.Width <= options.MaxSide && png.Height <= options.MaxSide;
                    return Math.Max(length, fits ? raw / 4 : raw);
                default:
                    return length;
            }
        }

        public static IEnumerable<PrepareResult> RunMany(IEnumerable<(string Name, long Cost, Func<PreparedImage> Work)> items,
            int maxParallel, CancellationToken cancellationToken) => RunMany(items, maxParallel, GatherDelay, cancellationToken);

        /// <summary>As above, with the gather delay given (tests: <see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
        internal static IEnumerable<PrepareResult> RunMany(IEnumerable<(string Name, long Cost, Func<PreparedImage> Work)> items,
            int maxParallel, TimeSpan gatherDelay, CancellationToken cancellationToken)
        {
            int degree = maxParallel > 0 ? maxParallel : Environment.ProcessorCount;
            // Finished results wait in the window until their turn, so memory stays bounded by the window's prepared
            // images; at most `degree` decode at once.
            int windowSize = Math.Max(degree * 2, LookAhead);
            var window = new Queue<Task<PrepareResult>>();
            var gate = new PriorityGate(degree, open: false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Timer? opener = null;
            try
            {
                int index = 0;
                foreach ((string name, long cost, Func<PreparedImage> work) in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int i = index++;
                    window.Enqueue(RunOne(i, name, cost, work, gate, stop.Token));
                    opener ??= new Timer(_ => gate.Open(), null, gatherDelay, Timeout.InfiniteTimeSpan);
                    if (window.Count >= windowSize)
                    {
                        gate.Open();
                        yield return Take(window.Dequeue(), cancellationToken);
                    }
                }
                gate.Open();
                while (window.Count > 0)
                {
                    yield return Take(window.Dequeue(), cancellationToken);
                }
            }
            finally
            {
                // Cancelling completes every waiter; the gate is not opened here, so nothing new starts on the way out.
                opener?.Dispose();
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
                catch (Exception ex) when (ImageProcessingException.OfOneFile(ex, name) is Exception failure)
                {
                    // That file's error, never the end of the batch (a defect in the image core too).
                    return new PrepareResult(index, name, null, failure, sw.Elapsed);
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
    /// A counting gate that admits the costliest waiter first (input order among equals), except that the oldest
    /// waiter is admitted once it has been passed over twice the number of slots. Waiters are few (the look-ahead
    /// window), so a list scan is enough.
    /// </summary>
    internal sealed class PriorityGate
    {
        private readonly object _lock = new object();
        private readonly List<Waiter> _waiters = new List<Waiter>();
        private readonly int _slots;
        private int _free;
        private int _oldestPassedOver;
        private bool _open;
        private long _sequence;

        /// <summary>A gate of <paramref name="slots"/>; a closed one admits nobody until <see cref="Open"/>.</summary>
        public PriorityGate(int slots, bool open = true)
        {
            _slots = slots;
            _open = open;
            _free = open ? slots : 0;
        }

        /// <summary>Opens a closed gate: the costliest waiters take the slots (idempotent).</summary>
        public void Open()
        {
            lock (_lock)
            {
                if (_open)
                {
                    return;
                }
                _open = true;
            }
            for (int i = 0; i < _slots; i++)
            {
                Release();
            }
        }

        public Task WaitAsync(long cost, CancellationToken token)
        {
            var waiter = new Waiter(cost);
            lock (_lock)
            {
                if (_open && _free > 0 && _waiters.Count == 0)
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
                    int best = 0, oldest = 0;
                    for (int i = 1; i < _waiters.Count; i++)
                    {
                        Waiter w = _waiters[i], b = _waiters[best];
                        if (w.Cost > b.Cost || (w.Cost == b.Cost && w.Sequence < b.Sequence))
                        {
                            best = i;
                        }
                        if (w.Sequence < _waiters[oldest].Sequence)
                        {
                            oldest = i;
                        }
                    }
                    if (best != oldest && _oldestPassedOver >= 2 * _slots)
                    {
                        best = oldest;
                    }
                    _oldestPassedOver = best == oldest ? 0 : _oldestPassedOver + 1;
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
