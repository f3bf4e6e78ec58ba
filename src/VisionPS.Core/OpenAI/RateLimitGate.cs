using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// The back-off shared by every request of one client, so that one rate-limit signal slows the whole batch and not
    /// just the request that got it. A 429 (other than insufficient_quota) closes the gate for the server's
    /// retry-after and halves the number of tries allowed in flight; each success raises that number again by
    /// 1/limit (additive increase, multiplicative decrease, as TCP does), until it no longer limits anything.
    /// </summary>
    internal sealed class RateLimitGate
    {
        /// <summary>Above this the gate stops counting: the caller's own throttle is the limit again.</summary>
        internal const double Unlimited = 256;

        private readonly object _lock = new object();
        private readonly LinkedList<TaskCompletionSource<bool>> _waiters = new LinkedList<TaskCompletionSource<bool>>();
        private long _openAt; // Stopwatch timestamp before which nothing is sent
        private double _limit = Unlimited;
        private int _inFlight;
        private int _closures;

        /// <summary>How many rate-limit answers closed (or extended) the gate.</summary>
        internal int Closures
        {
            get
            {
                lock (_lock)
                {
                    return _closures;
                }
            }
        }

        /// <summary>How many tries may be in flight now (<see cref="Unlimited"/> when not limiting).</summary>
        internal double Limit
        {
            get
            {
                lock (_lock)
                {
                    return _limit;
                }
            }
        }

        /// <summary>How long the gate stays closed from now (zero when open).</summary>
        internal TimeSpan Remaining
        {
            get
            {
                lock (_lock)
                {
                    return RemainingLocked();
                }
            }
        }

        /// <summary>Waits until a try may be sent (gate open, a slot free) and takes the slot; pair with <see cref="Exit"/>.</summary>
        internal async Task EnterAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                TimeSpan pause;
                TaskCompletionSource<bool>? waiter = null;
                LinkedListNode<TaskCompletionSource<bool>>? node = null;
                lock (_lock)
                {
                    pause = RemainingLocked();
                    if (pause <= TimeSpan.Zero)
                    {
                        if (_inFlight < Math.Max(1, (int)_limit))
                        {
                            _inFlight++;
                            return;
                        }
                        waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        node = _waiters.AddLast(waiter);
                    }
                }
                if (waiter is null)
                {
                    await Task.Delay(pause + TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                using (cancellationToken.Register(() => waiter.TrySetCanceled()))
                {
                    try
                    {
                        await waiter.Task.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        lock (_lock)
                        {
                            if (node!.List is not null)
                            {
                                _waiters.Remove(node);
                            }
                        }
                        throw new OperationCanceledException(cancellationToken);
                    }
                }
            }
        }

        /// <summary>Waits until a try may be sent (blocking; for the SDK's synchronous path).</summary>
        internal void Enter(CancellationToken cancellationToken) => EnterAsync(cancellationToken).GetAwaiter().GetResult();

        /// <summary>
        /// Gives the slot back. <paramref name="rateLimited"/>: the try got a 429 asking for <paramref name="pause"/>;
        /// <paramref name="succeeded"/>: it got a 2xx. True when a rate limit closed or extended the gate.
        /// </summary>
        internal bool Exit(bool rateLimited, bool succeeded, TimeSpan pause)
        {
            bool closed = false;
            var wake = new List<TaskCompletionSource<bool>>();
            lock (_lock)
            {
                int inFlight = _inFlight;
                _inFlight = Math.Max(0, _inFlight - 1);
                if (rateLimited)
                {
                    // Halve what was in flight when the server first said no; the other refusals of the same burst
                    // (answered while the gate is already closed) do not halve it again.
                    if (RemainingLocked() <= TimeSpan.Zero)
                    {
                        _limit = Math.Max(1, Math.Min(_limit, inFlight) / 2);
                    }
                    long until = Stopwatch.GetTimestamp() + (long)(Math.Max(0, pause.TotalSeconds) * Stopwatch.Frequency);
                    if (until > _openAt)
                    {
                        _openAt = until;
                        _closures++;
                        closed = true;
                    }
                }
                else if (succeeded && _limit < Unlimited)
                {
                    _limit += 1 / _limit;
                    if (_limit >= Unlimited)
                    {
                        _limit = Unlimited;
                    }
                }
                int free = Math.Max(1, (int)_limit) - _inFlight;
                while (free-- > 0 && _waiters.First is LinkedListNode<TaskCompletionSource<bool>> first)
                {
                    _waiters.RemoveFirst();
                    wake.Add(first.Value);
                }
            }
            foreach (TaskCompletionSource<bool> waiter in wake)
            {
                waiter.TrySetResult(true);
            }
            return closed;
        }

        private TimeSpan RemainingLocked()
        {
            long left = _openAt - Stopwatch.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
        }
    }

    /// <summary>Puts every try of a client through its <see cref="RateLimitGate"/> (per try: a retry waits too).</summary>
    internal sealed class RateLimitPolicy : PipelinePolicy
    {
        private readonly TimeSpan _defaultPause;
        private readonly TimeSpan _maxPause;
        private readonly Action<string>? _verbose;
        private readonly SecretScrubber _scrubber;

        internal RateLimitPolicy(TimeSpan defaultPause, TimeSpan maxPause, Action<string>? verbose, SecretScrubber scrubber)
        {
            _defaultPause = defaultPause < TimeSpan.Zero ? TimeSpan.Zero : defaultPause;
            _maxPause = maxPause < TimeSpan.Zero ? TimeSpan.Zero : maxPause;
            _verbose = verbose;
            _scrubber = scrubber;
        }

        internal RateLimitGate Gate { get; } = new RateLimitGate();

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            PipelineResponse? previous = message.Response;
            Gate.Enter(message.CancellationToken);
            try
            {
                ProcessNext(message, pipeline, currentIndex);
            }
            finally
            {
                Exit(message, previous);
            }
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            PipelineResponse? previous = message.Response;
            await Gate.EnterAsync(message.CancellationToken).ConfigureAwait(false);
            try
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            finally
            {
                Exit(message, previous);
            }
        }

        private void Exit(PipelineMessage message, PipelineResponse? previous)
        {
            // A try that failed without an answer leaves the previous try's response in place: it is not this try's.
            PipelineResponse? response = ReferenceEquals(message.Response, previous) ? null : message.Response;
            bool limited = response is not null && response.Status == 429 && !VisionRetryPolicy.IsQuotaExhausted(message);
            TimeSpan pause = TimeSpan.Zero;
            if (limited)
            {
                pause = VisionRetryPolicy.TryGetRetryAfter(response!, out TimeSpan server) ? server : _defaultPause;
                if (pause > _maxPause)
                {
                    pause = _maxPause;
                }
            }
            bool succeeded = response is not null && response.Status >= 200 && response.Status < 300;
            if (Gate.Exit(limited, succeeded, pause) && _verbose is Action<string> verbose)
            {
                try
                {
                    verbose(_scrubber.Scrub($"Rate limited (HTTP 429): every request of this batch waits {pause.TotalMilliseconds:0} ms; at most {Math.Max(1, (int)Gate.Limit)} in flight until the service accepts again."));
                }
                catch (Exception)
                {
                    // A failing log sink must not fail the request.
                }
            }
        }
    }
}
