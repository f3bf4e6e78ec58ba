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
        private long _successes;

        /// <summary>How many tries through this gate succeeded: the batch's progress.</summary>
        internal long Successes => Interlocked.Read(ref _successes);

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

        private int _waiting;
        private volatile bool _stopped;
        private readonly TaskCompletionSource<bool> _stop = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Whether <see cref="Stop"/> was called: nothing more is let through.</summary>
        internal bool Stopped => _stopped;

        /// <summary>
        /// Lets nothing through any more (a run stopping at an error): every try waiting for the pause or a slot, and
        /// every later one, fails at once with <see cref="RequestDeclinedException"/> instead of waiting to be sent.
        /// </summary>
        internal void Stop()
        {
            TaskCompletionSource<bool>[] wake;
            lock (_lock)
            {
                _stopped = true;
                wake = new TaskCompletionSource<bool>[_waiters.Count];
                _waiters.CopyTo(wake, 0);
                _waiters.Clear();
            }
            _stop.TrySetResult(true);
            foreach (TaskCompletionSource<bool> waiter in wake)
            {
                waiter.TrySetResult(true);
            }
        }

        /// <summary>How many tries are waiting to be let through (a pause, or a slot).</summary>
        internal int Waiting => Volatile.Read(ref _waiting);

        /// <summary>Waits until a try may be sent (gate open, a slot free) and takes the slot; pair with <see cref="Exit"/>.</summary>
        internal async Task EnterAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                await WaitAndTakeAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        private async Task WaitAndTakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                TimeSpan pause;
                TaskCompletionSource<bool>? waiter = null;
                LinkedListNode<TaskCompletionSource<bool>>? node = null;
                lock (_lock)
                {
                    if (_stopped)
                    {
                        throw new RequestDeclinedException();
                    }
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
                    // The pause, or a stop: then the loop above refuses the try at once rather than after the pause.
                    using (var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        await Task.WhenAny(Task.Delay(pause + TimeSpan.FromMilliseconds(1), delay.Token), _stop.Task).ConfigureAwait(false);
                        delay.Cancel(); // a stop ends the pause's timer too
                    }
                    cancellationToken.ThrowIfCancellationRequested();
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
                if (succeeded)
                {
                    Interlocked.Increment(ref _successes);
                }
                if (!rateLimited && succeeded && _limit < Unlimited)
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

    /// <summary>
    /// What the rate limit did to one request, kept on its message for <see cref="VisionRetryPolicy"/>: a 429 that
    /// names its wait (retry-after) while the batch as a whole makes progress is the service pacing the batch, not a
    /// failure of this request, so its retry is free (does not use up -MaxRetries). The total of those waits is
    /// bounded by <see cref="RateLimitPolicy.MaxFreeWait"/>; past it, or when no request of the batch succeeded since
    /// this request's last free retry, a 429 counts like any other failure.
    /// </summary>
    internal sealed class RateLimitState
    {
        /// <summary>Whether the last try was a 429 whose retry is free.</summary>
        internal bool LastTryFree { get; set; }

        /// <summary>Free retries so far (the last try's included when it was free).</summary>
        internal int FreeRetries { get; set; }

        /// <summary>Server-asked waits of the free retries so far.</summary>
        internal TimeSpan FreeWait { get; set; }

        /// <summary>The gate's success count when the request started, then at its last free retry.</summary>
        internal long SuccessesAtLastFree { get; set; } = -1;

        internal static RateLimitState Of(PipelineMessage message)
        {
            if (message.TryGetProperty(typeof(RateLimitState), out object? value) && value is RateLimitState state)
            {
                return state;
            }
            var created = new RateLimitState();
            message.SetProperty(typeof(RateLimitState), created);
            return created;
        }
    }

    /// <summary>Puts every try of a client through its <see cref="RateLimitGate"/> (per try: a retry waits too).</summary>
    internal sealed class RateLimitPolicy : PipelinePolicy
    {
        /// <summary>The most one request waits, in all, on free rate-limit retries (see <see cref="RateLimitState"/>).</summary>
        internal static readonly TimeSpan MaxFreeWait = TimeSpan.FromMinutes(10);

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

        /// <summary>
        /// From now on no try of this client leaves the gate for the wire (a run stopping at an error): a request that
        /// waited out a rate-limit pause, or a slot, is not sent when it is let through. Cleanup deletes still go.
        /// </summary>
        internal void Stop() => Gate.Stop();

        /// <summary>
        /// Checked after the gate lets a try through, before it is sent: the wait may have been long (a pause of the
        /// whole batch), and a stop or a cancellation during it means this try must not go out (nothing more paid for).
        /// </summary>
        private void ThrowIfStopped(PipelineMessage message)
        {
            message.CancellationToken.ThrowIfCancellationRequested();
            if (Gate.Stopped)
            {
                throw new RequestDeclinedException();
            }
        }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            if (CleanupCallPolicy.IsCleanup(message))
            {
                // A cleanup delete neither waits out the batch's rate-limit pause nor counts in it: it has a few seconds.
                ProcessNext(message, pipeline, currentIndex);
                return;
            }
            PipelineResponse? previous = message.Response;
            Start(message);
            Gate.Enter(message.CancellationToken);
            try
            {
                ThrowIfStopped(message);
                RequestsOnWire.TrySent();
                ProcessNext(message, pipeline, currentIndex);
            }
            finally
            {
                Exit(message, previous);
            }
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            if (CleanupCallPolicy.IsCleanup(message))
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
                return;
            }
            PipelineResponse? previous = message.Response;
            Start(message);
            await Gate.EnterAsync(message.CancellationToken).ConfigureAwait(false);
            try
            {
                ThrowIfStopped(message);
                RequestsOnWire.TrySent();
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
            bool named = false;
            if (limited)
            {
                if (VisionRetryPolicy.TryGetRetryAfterHeader(response!, out TimeSpan server))
                {
                    named = true;
                    pause = server;
                }
                else if (VisionRetryPolicy.TryGetLimitReset(response!, out TimeSpan reset, out bool exhausted))
                {
                    // A limit's reset pauses no shorter than the usual back-off, and is the service pacing the batch
                    // (a free retry) only when a limit is used up and its reset is above zero.
                    named = exhausted;
                    pause = reset > _defaultPause ? reset : _defaultPause;
                }
                else
                {
                    pause = _defaultPause;
                }
                if (pause > _maxPause)
                {
                    pause = _maxPause;
                }
            }
            bool succeeded = response is not null && response.Status >= 200 && response.Status < 300;
            if (!succeeded)
            {
                RequestsOnWire.TryUnanswered(); // not sent (refused at the gate), or answered without success: off the wire
            }
            long progress = Gate.Successes;
            bool closed = Gate.Exit(limited, succeeded, pause);
            string? charged = Account(message, limited && named, pause, progress);
            if (closed)
            {
                Say($"Rate limited (HTTP 429): every request of this batch waits {pause.TotalMilliseconds:0} ms; at most {Math.Max(1, (int)Gate.Limit)} in flight until the service accepts again. While the batch makes progress, these retries do not use up -MaxRetries; each request waits at most {MaxFreeWait.TotalMinutes:0} min for them in all.");
            }
            if (charged is not null)
            {
                Say(charged);
            }
        }

        /// <summary>Remembers the batch's progress when a request starts: only later successes make its 429s free.</summary>
        private void Start(PipelineMessage message)
        {
            RateLimitState state = RateLimitState.Of(message);
            if (state.SuccessesAtLastFree < 0)
            {
                state.SuccessesAtLastFree = Gate.Successes;
            }
        }

        /// <summary>Decides whether this try's retry is free; returns a verbose line when a 429 is charged instead.</summary>
        private static string? Account(PipelineMessage message, bool limitedWithWait, TimeSpan pause, long progress)
        {
            RateLimitState state = RateLimitState.Of(message);
            state.LastTryFree = false;
            if (!limitedWithWait)
            {
                return null;
            }
            if (state.FreeWait + pause > MaxFreeWait)
            {
                return $"Rate limited again after {state.FreeWait.TotalSeconds:0} s of waiting on this request (the most is {MaxFreeWait.TotalMinutes:0} min): this retry counts against -MaxRetries.";
            }
            if (progress <= state.SuccessesAtLastFree)
            {
                return "Rate limited, and no request of this batch succeeded since this one started or was last paced: this retry counts against -MaxRetries.";
            }
            state.LastTryFree = true;
            state.FreeRetries++;
            state.FreeWait += pause;
            state.SuccessesAtLastFree = progress;
            return null;
        }

        private void Say(string line)
        {
            if (_verbose is Action<string> verbose)
            {
                try
                {
                    verbose(_scrubber.Scrub(line));
                }
                catch (Exception)
                {
                    // A failing log sink must not fail the request.
                }
            }
        }
    }
}
