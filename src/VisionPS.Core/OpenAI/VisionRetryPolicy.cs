using System;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// The SDK's retry policy with OpenAI's rules: retry-after-ms and retry-after honoured (capped), on a 429 without
    /// them the x-ratelimit-reset-requests / -tokens of the limit it ran into (capped), jittered
    /// exponential back-off otherwise, and a 429 whose code is insufficient_quota never retried (it cannot succeed).
    /// A 429 that names its wait while the batch makes progress does not use up the request's retries (the
    /// <see cref="RateLimitPolicy"/> decides, within a bound on the total wait, and records it in <see cref="RateLimitState"/>).
    /// </summary>
    internal sealed class VisionRetryPolicy : ClientRetryPolicy
    {
        [ThreadStatic]
        private static Random? t_random;

        private readonly TimeSpan _baseDelay;
        private readonly TimeSpan _maxDelay;
        private readonly int _maxRetries;
        private volatile bool _stopped;

        internal VisionRetryPolicy(int maxRetries, TimeSpan baseDelay, TimeSpan maxDelay)
            : base(int.MaxValue) // the count is kept here, where free rate-limit retries are left out of it
        {
            _maxRetries = Math.Max(0, maxRetries);
            _baseDelay = baseDelay < TimeSpan.Zero ? TimeSpan.Zero : baseDelay;
            _maxDelay = maxDelay < TimeSpan.Zero ? TimeSpan.Zero : maxDelay;
        }

        private readonly TaskCompletionSource<bool> _stop = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// From now on no request of this client is retried (a run that is stopping at an error); cleanups still are. A
        /// retry already waiting out its delay (a server's retry-after, up to -MaxRetryDelay) stops waiting: the rate-limit
        /// gate then refuses to send it, so the stop ends the run at once instead of after the wait.
        /// </summary>
        internal void Stop()
        {
            _stopped = true;
            _stop.TrySetResult(true);
        }

        protected override async Task WaitAsync(TimeSpan time, CancellationToken cancellationToken)
        {
            if (time <= CleanupCallPolicy.MaxRetryDelay)
            {
                // A short wait (a cleanup's quick retry) is waited out whatever happens.
                await base.WaitAsync(time, cancellationToken).ConfigureAwait(false);
                return;
            }
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(Task.Delay(time, delay.Token), _stop.Task).ConfigureAwait(false);
            delay.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
        }

        protected override void Wait(TimeSpan time, CancellationToken cancellationToken) => WaitAsync(time, cancellationToken).GetAwaiter().GetResult();

        protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
        {
            if (message.CancellationToken.IsCancellationRequested || NeverRetried(message, exception))
            {
                return false;
            }
            if (CleanupCallPolicy.IsCleanup(message))
            {
                // A cleanup delete (after a stop or a failure): one quick retry at most, no free rate-limit retries.
                return Tries(message) <= Math.Min(_maxRetries, 1) && base.ShouldRetry(message, exception) && !IsQuotaExhausted(message);
            }
            if (_stopped)
            {
                return false;
            }
            bool free = false;
            int freeBefore = 0;
            if (message.TryGetProperty(typeof(RateLimitState), out object? value) && value is RateLimitState state)
            {
                free = state.LastTryFree && exception is null;
                freeBefore = state.FreeRetries - (state.LastTryFree ? 1 : 0);
            }
            int charged = Tries(message) - 1 - freeBefore; // retries so far, less the free ones
            return (free || charged < _maxRetries) && base.ShouldRetry(message, exception) && !IsQuotaExhausted(message);
        }

        /// <summary>
        /// An answer too large to read (it would come back as large), and a POST whose success answer arrived but not
        /// in full (the service did the work and may bill it: sending it again would pay twice).
        /// </summary>
        private static bool NeverRetried(PipelineMessage message, Exception? exception)
        {
            for (Exception? e = exception; e is not null; e = e.InnerException)
            {
                if (e is AnswerTooLargeException)
                {
                    return true;
                }
            }
            return exception is AnswerBodyFailedException lost && !lost.Resendable;
        }

        /// <summary>Counts this message's tries: ShouldRetry is asked once after each (the SDK keeps its own count private).</summary>
        private static int Tries(PipelineMessage message)
        {
            if (!(message.TryGetProperty(typeof(TryCounter), out object? value) && value is TryCounter counter))
            {
                counter = new TryCounter();
                message.SetProperty(typeof(TryCounter), counter);
            }
            return ++counter.Count;
        }

        private sealed class TryCounter
        {
            public int Count;
        }

        protected override ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception)
            => new ValueTask<bool>(ShouldRetry(message, exception));

        protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
        {
            TimeSpan delay = NextDelay(message, tryCount);
            return CleanupCallPolicy.IsCleanup(message) && delay > CleanupCallPolicy.MaxRetryDelay ? CleanupCallPolicy.MaxRetryDelay : delay;
        }

        private TimeSpan NextDelay(PipelineMessage message, int tryCount)
        {
            double exponential = _baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, tryCount - 1));
            // Full jitter between 50% and 100% keeps many clients from retrying in lockstep.
            t_random ??= new Random(Environment.TickCount ^ Thread.CurrentThread.ManagedThreadId);
            double jittered = exponential * (0.5 + (t_random.NextDouble() * 0.5));
            TimeSpan backOff = TimeSpan.FromMilliseconds(Math.Min(jittered, _maxDelay.TotalMilliseconds));
            if (message.Response is PipelineResponse response)
            {
                if (TryGetRetryAfterHeader(response, out TimeSpan serverDelay))
                {
                    return serverDelay > _maxDelay ? _maxDelay : serverDelay;
                }
                if (response.Status == 429 && TryGetLimitReset(response, out TimeSpan reset, out _))
                {
                    // A limit's reset can be tiny (OpenAI sends "12ms", a server "0s"): it is never a sooner retry than
                    // the usual back-off, only a later one.
                    TimeSpan wait = reset > backOff ? reset : backOff;
                    return wait > _maxDelay ? _maxDelay : wait;
                }
            }
            return backOff;
        }

        /// <summary>
        /// The wait a server names for a retry: retry-after-ms or retry-after, else on a 429 the reset of the limit it
        /// ran into (see <see cref="TryGetLimitReset"/>). Not bounded: callers bound it (-MaxRetryDelay).
        /// </summary>
        internal static bool TryGetRetryAfter(PipelineResponse response, out TimeSpan delay)
            => TryGetRetryAfterHeader(response, out delay) || (response.Status == 429 && TryGetLimitReset(response, out delay, out _));

        /// <summary>The wait of a retry-after-ms or retry-after header (seconds or an HTTP date).</summary>
        internal static bool TryGetRetryAfterHeader(PipelineResponse response, out TimeSpan delay)
        {
            delay = TimeSpan.Zero;
            if (response.Headers.TryGetValue("retry-after-ms", out string? ms) && TryParseWait(ms, 1, out delay))
            {
                return true;
            }
            if (response.Headers.TryGetValue("retry-after", out string? after) && after is not null)
            {
                if (TryParseWait(after, 1000, out delay))
                {
                    return true;
                }
                if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when))
                {
                    TimeSpan left = when - DateTimeOffset.UtcNow;
                    delay = left > TimeSpan.Zero ? left : TimeSpan.Zero;
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// A 429 without Retry-After: the wait its message names ("Please try again in 1.4s"), else the part of the
        /// reset of the limit it ran into that this request needs (when the message says "Requested N" and the limit
        /// and remaining headers are given; a reset is the time until the limit is full again), else that whole reset,
        /// from OpenAI's rate-limit headers
        /// (x-ratelimit-reset-requests / x-ratelimit-reset-tokens, durations such as "6m0s", "1s", "20ms"): the reset of
        /// the limit whose remaining count is 0 (the later one when both are), else the later reset given. Callers bound
        /// it (-MaxRetryDelay) and wait at least their usual back-off. <paramref name="exhausted"/>: a limit shows
        /// remaining 0 with a reset above zero, so the service really names the wait (a free, pacing retry); a reset of
        /// a limit not used up (OpenAI sends such small resets as "12ms") or of 0 names none.
        /// </summary>
        internal static bool TryGetLimitReset(PipelineResponse response, out TimeSpan delay, out bool exhausted)
        {
            delay = TimeSpan.Zero;
            exhausted = false;
            // OpenAI's 429 message says which limit was hit, how much this request needed, and how long until it fits
            // ("... on tokens per min (TPM): Limit 30000, Used 29500, Requested 1200. Please try again in 1.4s."): the
            // service's own wait is the one to take. The x-ratelimit-reset-* headers are the time until a limit is full
            // again, far longer than this request needs when it needs a little of it.
            LimitMessage said = LimitMessage.Of(response);
            bool requestsReset = TryGetDuration(response, "x-ratelimit-reset-requests", out TimeSpan requests);
            bool tokensReset = TryGetDuration(response, "x-ratelimit-reset-tokens", out TimeSpan tokens);
            bool requestsOut = IsZero(response, "x-ratelimit-remaining-requests");
            bool tokensOut = IsZero(response, "x-ratelimit-remaining-tokens");
            // The wait for the limit the message is about: its own "Please try again in", else the part of that limit's
            // reset this request needs.
            TimeSpan? named = said.TryAgainIn;
            if (named is null && said.Limit == "tokens" && tokensReset)
            {
                named = Needed(response, "tokens", tokens, said.PerMinute ? said.Requested : null);
            }
            else if (named is null && said.Limit == "requests" && requestsReset)
            {
                named = Needed(response, "requests", requests, said.PerMinute ? said.Requested : null);
            }
            if (named is TimeSpan wait)
            {
                // Another limit used up as well (remaining 0) must refill too before a retry can pass: the longer wait.
                delay = wait;
                if (said.Limit != "requests" && requestsOut && requestsReset && requests > delay)
                {
                    delay = requests;
                }
                if (said.Limit != "tokens" && tokensOut && tokensReset && tokens > delay)
                {
                    delay = tokens;
                }
                exhausted = delay > TimeSpan.Zero;
                return true;
            }
            if (requestsOut || tokensOut)
            {
                // The limits used up name the wait: the later of their resets (one that cannot be read is no wait).
                bool known = false;
                if (requestsOut && requestsReset)
                {
                    delay = requests;
                    known = true;
                }
                if (tokensOut && tokensReset && (!known || tokens > delay))
                {
                    delay = tokens;
                    known = true;
                }
                exhausted = known && delay > TimeSpan.Zero;
                return known;
            }
            // No limit says it is used up (a request larger than the tokens left, or no remaining counts): the later reset.
            if (requestsReset || tokensReset)
            {
                delay = !tokensReset || (requestsReset && requests > tokens) ? requests : tokens;
                return true;
            }
            return false;
        }

        /// <summary>
        /// The part of a limit's <paramref name="reset"/> (the time until it is full again, refilling evenly) this request
        /// needs: what it asks for beyond what remains, over what the reset refills. The whole reset when any of the
        /// numbers is not given (the caller gives no request count for a message about a per-day limit: the headers are
        /// per minute), or when the share is 0 (it asks no more than remains: the headers are stale, so it is no measure).
        /// </summary>
        private static TimeSpan Needed(PipelineResponse response, string limit, TimeSpan reset, long? requested)
        {
            if (requested is not long wanted || !TryGetCount(response, "x-ratelimit-limit-" + limit, out long full)
                || !TryGetCount(response, "x-ratelimit-remaining-" + limit, out long left) || full <= 0 || left < 0 || left >= full)
            {
                return reset;
            }
            double share = Math.Min(1.0, Math.Max(0.0, (wanted - left) / (double)(full - left)));
            if (share <= 0)
            {
                return reset;
            }
            return TimeSpan.FromTicks((long)(reset.Ticks * share));
        }

        private static bool TryGetCount(PipelineResponse response, string header, out long value)
        {
            value = 0;
            return response.Headers.TryGetValue(header, out string? text) && long.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        }

        /// <summary>What a 429's error message says: the limit hit (requests or tokens), the amount requested, the wait.</summary>
        private readonly struct LimitMessage
        {
            private static readonly System.Text.RegularExpressions.Regex s_limit = new System.Text.RegularExpressions.Regex(
                @"\bon (requests|tokens)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

            private static readonly System.Text.RegularExpressions.Regex s_requested = new System.Text.RegularExpressions.Regex(
                @"\bRequested (\d{1,15})\b", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

            private static readonly System.Text.RegularExpressions.Regex s_again = new System.Text.RegularExpressions.Regex(
                @"\bPlease try again in ([0-9][0-9.hmsuµn]{0,40}?)\.?(?:\s|$)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

            private static readonly System.Text.RegularExpressions.Regex s_perMinute = new System.Text.RegularExpressions.Regex(
                @"\bper min(ute)?\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

            private LimitMessage(string? limit, long? requested, TimeSpan? again, bool perMinute)
            {
                PerMinute = perMinute;
                Limit = limit;
                Requested = requested;
                TryAgainIn = again;
            }

            /// <summary>"requests" or "tokens"; null when the message does not say.</summary>
            public string? Limit { get; }

            public long? Requested { get; }

            /// <summary>The message is about a per-minute limit ("tokens per min (TPM)"), as the x-ratelimit-* headers are.</summary>
            public bool PerMinute { get; }

            public TimeSpan? TryAgainIn { get; }

            public static LimitMessage Of(PipelineResponse response)
            {
                string? message = null;
                try
                {
                    BinaryData body;
                    try
                    {
                        body = response.Content; // read already (an error being reported)
                    }
                    catch (InvalidOperationException)
                    {
                        body = response.BufferContent(); // a streaming request leaves it unread; an error body is small
                    }
                    using var doc = JsonDocument.Parse(body.ToMemory());
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out JsonElement error)
                        && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                    {
                        message = text.GetString();
                    }
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
                {
                }
                if (string.IsNullOrEmpty(message) || message!.Length > 4096)
                {
                    return default;
                }
                var limit = s_limit.Match(message);
                var requested = s_requested.Match(message);
                var again = s_again.Match(message);
                return new LimitMessage(
                    limit.Success ? limit.Groups[1].Value.ToLowerInvariant() : null,
                    requested.Success && long.TryParse(requested.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null,
                    again.Success && TryParseDuration(again.Groups[1].Value, out TimeSpan wait) ? wait : null,
                    s_perMinute.IsMatch(message));
            }
        }

        private static bool IsZero(PipelineResponse response, string header)
            => response.Headers.TryGetValue(header, out string? text) && long.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value <= 0;

        private static bool TryGetDuration(PipelineResponse response, string header, out TimeSpan delay)
        {
            delay = TimeSpan.Zero;
            return response.Headers.TryGetValue(header, out string? text) && TryParseDuration(text, out delay);
        }

        /// <summary>
        /// A Go-style duration as OpenAI's rate-limit headers give it: one or more number-unit pairs, units h, m, s, ms,
        /// us (µs) and ns ("6m0s", "1s", "20ms", "1h2m3.5s"); at most <see cref="LongestWait"/>. Anything else is no wait.
        /// </summary>
        internal static bool TryParseDuration(string? text, out TimeSpan delay)
        {
            delay = TimeSpan.Zero;
            string value = text?.Trim() ?? string.Empty;
            if (value.Length == 0 || value.Length > 64)
            {
                return false;
            }
            double millis = 0;
            int i = 0;
            while (i < value.Length)
            {
                int start = i;
                while (i < value.Length && (char.IsDigit(value[i]) || value[i] == '.'))
                {
                    i++;
                }
                if (i == start || !double.TryParse(value.Substring(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
                {
                    return false;
                }
                int unitStart = i;
                while (i < value.Length && !char.IsDigit(value[i]) && value[i] != '.')
                {
                    i++;
                }
                double unit = value.Substring(unitStart, i - unitStart) switch
                {
                    "h" => 3600000,
                    "m" => 60000,
                    "s" => 1000,
                    "ms" => 1,
                    "us" or "\u00b5s" or "\u03bcs" => 0.001,
                    "ns" => 0.000001,
                    _ => double.NaN,
                };
                if (double.IsNaN(unit))
                {
                    return false;
                }
                millis += number * unit;
            }
            if (double.IsNaN(millis) || double.IsInfinity(millis))
            {
                return false;
            }
            delay = millis >= LongestWait.TotalMilliseconds ? LongestWait : TimeSpan.FromMilliseconds(millis);
            return true;
        }

        /// <summary>The longest wait a server's retry-after is read as.</summary>
        internal static readonly TimeSpan LongestWait = TimeSpan.FromDays(3650);

        /// <summary>
        /// A wait given as a number of <paramref name="unitMs"/> ms units: a finite, non-negative number (NaN, Infinity and
        /// negatives are no wait at all), at most <see cref="LongestWait"/> (a TimeSpan overflows at 29,000 years).
        /// </summary>

        private static bool TryParseWait(string? text, double unitMs, out TimeSpan delay)
        {
            delay = TimeSpan.Zero;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value) || double.IsInfinity(value) || value < 0)
            {
                return false;
            }
            double millis = value * unitMs;
            delay = millis >= LongestWait.TotalMilliseconds ? LongestWait : TimeSpan.FromMilliseconds(millis);
            return true;
        }

        internal static bool IsQuotaExhausted(PipelineMessage message)
        {
            PipelineResponse? response = message.Response;
            if (response is null || response.Status != 429)
            {
                return false;
            }
            try
            {
                // A streaming request leaves the body unread; an error body is small, so read it to decide.
                BinaryData body = response.BufferContent();
                using var doc = JsonDocument.Parse(body.ToMemory());
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
                {
                    return (error.TryGetProperty("code", out JsonElement code) && code.ValueKind == JsonValueKind.String && code.GetString() == "insufficient_quota")
                        || (error.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "insufficient_quota");
                }
            }
            catch (JsonException)
            {
            }
            catch (InvalidOperationException)
            {
            }
            return false;
        }
    }
}
