using System;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>
    /// Fault injection, by model name ("fault:SPEC") or the X-VisionPS-Fault header (SPEC). SPEC is KIND[xN][+KIND[xN]...][:tag]
    /// (kinds joined by + apply in order, e.g. slow=200+rate=40):
    /// 429[=MS] (retry-after-ms MS, default 30, and retry-after), 429s (retry-after 1 only), rate=N (a token bucket of N
    /// requests per second, burst N, shared by every request with the same spec; over it 429 with the real wait in
    /// retry-after-ms), quota (insufficient_quota), 500,
    /// echo-key (401 quoting the key sent), drop (connection dropped: before the answer, or after 2 stream chunks),
    /// canned=NAME (answer with the canned body NAME of CannedAnswers: odd shapes the spec allows, a gateway's error),
    /// 429ra=TEXT (429 whose only wait is "Retry-After: TEXT"), 429reset=TEXT / 429resettok=TEXT (429 without Retry-After whose
    /// x-ratelimit-reset-requests / x-ratelimit-reset-tokens is TEXT, e.g. 6m0s, that limit's remaining 0), endless (a 200 JSON body, or one server-sent event, that never ends), stall[=MS]
    /// (a 200 that starts its body, then stalls), drip[=MS] (a 200 JSON body, or event stream, that sends a byte every MS, never a whole answer; drip-json: JSON also to a stream), redirect=PORT (307 to the same path on 127.0.0.1:PORT),
    /// huge-length (a 200 declaring a 1 TiB body, then closed after 16 bytes), short-body=N (a 200 declaring N bytes, closed after half),
    /// stall-length=N (a 200 declaring N bytes that sends 16, then stalls for a minute),
    /// slow=MS (answer after MS), trickle=MS (stream chunks after the first content chunk MS apart), keepalive=MS (a stream that, after its headers,
    /// sends only SSE comment lines, ": keep-alive" and ": OPENROUTER PROCESSING", every 500 ms for MS, as a gateway does
    /// while a reasoning model thinks, then the answer), unknown-model (a batch whose lines
    /// name it fails validation, each line a model_not_found error), no-image-urls (http(s)
    /// image URLs refused as Ollama does: only data: URLs are taken). xN: only the first N requests with that spec
    /// fail; @K (after xN): the first K requests with that spec pass, so "500x1@2" fails the third only; 413 (request entity
    /// too large); the tag keeps specs of different tests apart. A route's requests can also carry a SPEC set on the endpoint
    /// (EndpointState.RouteFaults, --route-fault): for requests a client sends without a header or model of the test's
    /// choosing, such as the DELETE /v1/files/{id} of a cleanup, e.g. slow=30000 (a stalled service) or 500.
    /// </summary>
    public sealed class Fault
    {
        public const string Header = "X-VisionPS-Fault";

        private Fault(string spec, string kind, int? times, int millis, string? name = null, int after = 0)
        {
            After = after;
            Name = name;
            Spec = spec;
            Kind = kind;
            Times = times;
            Millis = millis;
        }

        public string Spec { get; }
        public string Kind { get; }
        public int? Times { get; }
        public int Millis { get; }

        /// <summary>@K: the first K requests with this spec pass untouched (the fault fires from the K+1st on, xN of them).</summary>
        public int After { get; }

        /// <summary>For canned=NAME: the canned answer's name (CannedAnswers).</summary>
        public string? Name { get; }

        /// <summary>The next fault of a composed SPEC ("slow=200+rate=40"), applied after this one.</summary>
        public Fault? Next { get; private set; }

        public static Fault? From(HttpContext context, string? model)
        {
            string? spec = context.Request.Headers[Header].ToString();
            if (string.IsNullOrEmpty(spec) && model is not null && model.StartsWith("fault:", StringComparison.Ordinal))
            {
                spec = model.Substring("fault:".Length);
            }
            return string.IsNullOrEmpty(spec) ? null : Parse(spec);
        }

        /// <summary>
        /// The fault set for this request's route (<see cref="EndpointState.RouteFaults"/>, "METHOD TEMPLATE"), when
        /// the request carries no fault header; applied before the route's handler.
        /// </summary>
        public static Fault? ForRoute(HttpContext context, EndpointState state)
        {
            if (state.RouteFaults.IsEmpty || context.Request.Headers.ContainsKey(Header)
                || context.GetEndpoint() is not Microsoft.AspNetCore.Routing.RouteEndpoint endpoint)
            {
                return null;
            }
            return state.RouteFaults.TryGetValue($"{context.Request.Method} {endpoint.RoutePattern.RawText}", out string? spec) && !string.IsNullOrEmpty(spec)
                ? Parse(spec)
                : null;
        }

        /// <summary>Reads a SPEC: KIND[xN][+KIND[xN]...][:tag].</summary>
        public static Fault Parse(string spec)
        {
            int colon = spec.IndexOf(':');
            string kinds = colon < 0 ? spec : spec.Substring(0, colon);
            string tag = colon < 0 ? string.Empty : spec.Substring(colon);
            Fault? first = null, last = null;
            foreach (string piece in kinds.Split('+'))
            {
                Fault fault = Parse(piece, piece + tag);
                if (last is null)
                {
                    first = fault;
                }
                else
                {
                    last.Next = fault;
                }
                last = fault;
            }
            return first!; // Split always yields at least one piece
        }

        /// <summary>The first fault of the chain with this kind, if any.</summary>
        public Fault? Find(string kind)
        {
            for (Fault? f = this; f is not null; f = f.Next)
            {
                if (f.Kind == kind)
                {
                    return f;
                }
            }
            return null;
        }

        private static Fault Parse(string head, string spec)
        {
            int after = 0;
            int at = head.LastIndexOf('@');
            if (at > 0 && int.TryParse(head.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int skip))
            {
                after = skip;
                head = head.Substring(0, at);
            }
            Fault parsed = ParseKind(head, spec);
            return after == 0 ? parsed : new Fault(parsed.Spec, parsed.Kind, parsed.Times, parsed.Millis, parsed.Name, after);
        }

        private static Fault ParseKind(string head, string spec)
        {
            int? times = null;
            int x = head.LastIndexOf('x');
            if (x > 0 && int.TryParse(head.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                times = n;
                head = head.Substring(0, x);
            }
            if (head.StartsWith("canned=", StringComparison.Ordinal))
            {
                return new Fault(spec, "canned", times, 0, head.Substring("canned=".Length));
            }
            if (head.StartsWith("429ra=", StringComparison.Ordinal))
            {
                return new Fault(spec, "429ra", times, 0, head.Substring("429ra=".Length));
            }
            foreach (string reset in new[] { "429reset", "429resettok" })
            {
                if (head.StartsWith(reset + "=", StringComparison.Ordinal))
                {
                    return new Fault(spec, reset, times, 0, head.Substring(reset.Length + 1));
                }
            }
            int millis = 0;
            int eq = head.IndexOf('=');
            if (eq > 0)
            {
                millis = int.Parse(head.AsSpan(eq + 1), CultureInfo.InvariantCulture);
                head = head.Substring(0, eq);
            }
            return new Fault(spec, head, times, millis);
        }

        /// <summary>Whether this request is one the fault applies to (counts it).</summary>
        public bool Fires(EndpointState state)
        {
            int hit = state.FaultHits.AddOrUpdate(Spec, 1, (_, old) => old + 1) - After;
            return hit > 0 && (Times is not int limit || hit <= limit);
        }

        /// <summary>Applies a fault that replaces the answer; true when the response is done (or the connection dropped).</summary>
        public async Task<bool> ApplyBeforeAnswerAsync(HttpContext context, EndpointState state, string model, bool streaming)
        {
            for (Fault? fault = this; fault is not null; fault = fault.Next)
            {
                if (await fault.ApplyOneAsync(context, state, model, streaming))
                {
                    return true;
                }
            }
            return false;
        }

        private async Task<bool> ApplyOneAsync(HttpContext context, EndpointState state, string model, bool streaming)
        {
            switch (Kind)
            {
                case "429":
                case "429s":
                    if (!Fires(state))
                    {
                        return false;
                    }
                    int wait = Millis > 0 ? Millis : 30;
                    if (Kind == "429")
                    {
                        context.Response.Headers["retry-after-ms"] = wait.ToString(CultureInfo.InvariantCulture);
                    }
                    throw RateLimited(context, model, 500, wait, Kind == "429s" ? 1000 : Math.Max(1000, wait));
                case "429ra":
                    // A 429 whose only wait is Retry-After with the given text, as odd as a server may send it.
                    if (!Fires(state))
                    {
                        return false;
                    }
                    context.Response.Headers["retry-after"] = Name;
                    throw new ApiError(429, "Rate limit reached.", "requests", null, "rate_limit_exceeded");
                case "429reset":
                case "429resettok":
                    // A 429 with no Retry-After, only OpenAI's x-ratelimit-* headers: the requests limit used up (its reset
                    // TEXT, "6m0s"), or the tokens limit (its reset TEXT, the requests limit's reset 1ms).
                    if (!Fires(state))
                    {
                        return false;
                    }
                    // TEXT may go on with /REQUESTED (the message then says how much the request asked for, as OpenAI's
                    // does: "Limit 30000, Used 30000, Requested 1200."), /AGAIN (then it ends "Please try again in AGAIN.") and
                    // /OTHER (the other limit is used up too, its reset OTHER) and /day (the message is about a per-day limit).
                    bool tokens = Kind == "429resettok";
                    string[] parts = (Name ?? string.Empty).Split('/');
                    string resetText = parts[0];
                    context.Response.Headers["x-ratelimit-limit-requests"] = "500";
                    string? other = parts.Length > 3 && parts[3].Length > 0 ? parts[3] : null;
                    context.Response.Headers["x-ratelimit-remaining-requests"] = tokens ? (other is null ? "499" : "0") : "0";
                    context.Response.Headers["x-ratelimit-reset-requests"] = tokens ? other ?? "1ms" : resetText;
                    context.Response.Headers["x-ratelimit-limit-tokens"] = "30000";
                    context.Response.Headers["x-ratelimit-remaining-tokens"] = tokens ? "0" : (other is null ? "29000" : "0");
                    context.Response.Headers["x-ratelimit-reset-tokens"] = tokens ? resetText : other ?? "1ms";
                    string numbers = parts.Length > 1 && parts[1].Length > 0
                        ? (tokens ? $": Limit 30000, Used 30000, Requested {parts[1]}" : $": Limit 500, Used 500, Requested {parts[1]}")
                        : string.Empty;
                    string again = parts.Length > 2 ? $" Please try again in {parts[2]}. Visit https://platform.openai.com/account/rate-limits to learn more." : string.Empty;
                    throw new ApiError(429, $"Rate limit reached for {model} in organization org-test on {(parts.Length > 4 && parts[4] == "day" ? (tokens ? "tokens per day (TPD)" : "requests per day (RPD)") : tokens ? "tokens per min (TPM)" : "requests per min (RPM)")}{numbers}.{again}", tokens ? "tokens" : "requests", null, "rate_limit_exceeded");
                case "endless":
                    // A 200 whose JSON body never ends (at most 1 GiB): a client must stop reading it.
                    if (!Fires(state))
                    {
                        return false;
                    }
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = streaming ? "text/event-stream" : "application/json";
                    byte[] run = new byte[64 * 1024];
                    run.AsSpan().Fill((byte)'a');
                    await context.Response.Body.WriteAsync(System.Text.Encoding.ASCII.GetBytes((streaming ? "data: " : "") + "{\"id\":\""), context.RequestAborted);
                    try
                    {
                        for (long written = 0; written < 1L << 30; written += run.Length)
                        {
                            await context.Response.Body.WriteAsync(run, context.RequestAborted);
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or System.IO.IOException)
                    {
                        // The client stopped reading and closed the connection.
                    }
                    return true;
                case "stall":
                    // A 200 that starts its JSON body, then sends nothing more (for MS, default a minute).
                    if (!Fires(state))
                    {
                        return false;
                    }
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/json";
                    await context.Response.Body.WriteAsync(System.Text.Encoding.ASCII.GetBytes("{\"id\":"), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    try
                    {
                        await Task.Delay(Millis > 0 ? Millis : 60000, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    return true;
                case "drip":
                case "drip-json":
                    // drip-json: always a JSON body, also to a streamed request (a server that ignores stream: true).
                    // A 200 (a JSON body, or a server-sent event stream for a streamed request) that sends one byte every MS
                    // (default 200) for up to 10 minutes and never a whole answer or event: each read gets a byte, so only a
                    // limit on the whole answer (or between events) ends it.
                    if (!Fires(state))
                    {
                        return false;
                    }
                    context.Response.StatusCode = 200;
                    bool events = streaming && Kind == "drip";
                    context.Response.ContentType = events ? "text/event-stream" : "application/json";
                    try
                    {
                        await context.Response.Body.WriteAsync(System.Text.Encoding.ASCII.GetBytes(events ? ": " : "{"), context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        for (int i = 0; i < 600000 / Math.Max(1, Millis > 0 ? Millis : 200); i++)
                        {
                            await Task.Delay(Millis > 0 ? Millis : 200, context.RequestAborted);
                            await context.Response.Body.WriteAsync(new[] { (byte)' ' }, context.RequestAborted);
                            await context.Response.Body.FlushAsync(context.RequestAborted);
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or System.IO.IOException)
                    {
                        // The client gave up on it.
                    }
                    return true;
                case "stall-length":
                    // A 200 that declares N bytes (Content-Length), sends 16, then sends nothing more for a minute.
                    if (!Fires(state))
                    {
                        return false;
                    }
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "image/png";
                    context.Response.ContentLength = Math.Max(17, Millis);
                    await context.Response.Body.WriteAsync(new byte[16], context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    try
                    {
                        await Task.Delay(60000, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    context.Abort();
                    return true;
                case "huge-length":
                    // A 200 that declares a body of 1 TiB (Content-Length), sends 16 bytes, then closes the connection.
                case "short-body":
                    // A 200 that declares MS bytes (Content-Length), sends half of them, then closes the connection.
                    if (!Fires(state))
                    {
                        return false;
                    }
                    long declared = Kind == "huge-length" ? 1L << 40 : Math.Max(2, Millis);
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "image/png";
                    context.Response.ContentLength = declared;
                    byte[] part = new byte[Kind == "huge-length" ? 16 : declared / 2];
                    await context.Response.Body.WriteAsync(part, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    // Ending the handler short of the declared length makes Kestrel close the connection after what
                    // was written has gone out (no keep-alive is possible): the client always gets the headers and
                    // the first bytes, then the end. An Abort() after a pause raced with them on a loaded machine:
                    // a reset could overtake the buffered answer, and the client saw a connection closed before it
                    // answered instead of a cut body (or a declared length it never read).
                    return true;
                case "redirect":
                    // 307 to the same path and query on another port of this machine (another origin).
                    if (!Fires(state))
                    {
                        return false;
                    }
                    context.Response.StatusCode = 307;
                    context.Response.Headers.Location = $"http://127.0.0.1:{Millis}{context.Request.Path}{context.Request.QueryString}";
                    return true;
                case "rate":
                    // A token bucket of Millis requests per second (burst Millis) per spec: over it, 429 with the real wait.
                    TokenBucket bucket = state.RateLimits.GetOrAdd(Spec, _ => new TokenBucket(Math.Max(1, Millis)));
                    if (bucket.TryTake(out TimeSpan until))
                    {
                        return false;
                    }
                    int ms = Math.Max(1, (int)Math.Ceiling(until.TotalMilliseconds));
                    context.Response.Headers["retry-after-ms"] = ms.ToString(CultureInfo.InvariantCulture);
                    Interlocked.Increment(ref state.RateLimited);
                    throw RateLimited(context, model, Math.Max(1, Millis) * 60, ms, ms);
                case "quota":
                    if (!Fires(state))
                    {
                        return false;
                    }
                    throw new ApiError(429, "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.", "insufficient_quota", null, "insufficient_quota");
                case "500":
                    if (!Fires(state))
                    {
                        return false;
                    }
                    throw new ApiError(500, "The server had an error while processing your request. Sorry about that!", "server_error", null, null);
                case "413":
                    // A body over what the service (or a proxy in front of it) takes.
                    if (!Fires(state))
                    {
                        return false;
                    }
                    throw new ApiError(413, "Request Entity Too Large: the request body exceeds the maximum size this server accepts.", "invalid_request_error", null, "request_too_large");
                case "echo-key":
                    string sent = context.Request.Headers.Authorization.ToString();
                    sent = sent.StartsWith("Bearer ", StringComparison.Ordinal) ? sent.Substring(7) : context.Request.Headers["api-key"].ToString();
                    throw new ApiError(401, $"Incorrect API key provided: {sent}. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
                case "canned":
                    if (!Fires(state))
                    {
                        return false;
                    }
                    await CannedAnswers.WriteAsync(context, Name!);
                    return true;
                case "slow":
                    if (Fires(state))
                    {
                        await Task.Delay(Millis, context.RequestAborted);
                    }
                    return false;
                case "drop":
                    if (!streaming && Fires(state))
                    {
                        context.Abort();
                        return true;
                    }
                    return false;
                default:
                    return false;
            }
        }

        private static ApiError RateLimited(HttpContext context, string model, int perMinute, int waitMs, int retryAfterMs)
        {
            context.Response.Headers["retry-after"] = Math.Max(1, (int)Math.Ceiling(retryAfterMs / 1000.0)).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["x-ratelimit-limit-requests"] = perMinute.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["x-ratelimit-remaining-requests"] = "0";
            context.Response.Headers["x-ratelimit-reset-requests"] = waitMs.ToString(CultureInfo.InvariantCulture) + "ms";
            return new ApiError(429, $"Rate limit reached for {model} in organization org-test on requests per min (RPM): Limit {perMinute}, Used {perMinute}, Requested 1. Please try again in {waitMs}ms.", "requests", null, "rate_limit_exceeded");
        }

        /// <summary>
        /// For keepalive=MS on a streamed answer: sends the headers, then SSE comment lines every 500 ms for MS ms (none of
        /// them an event). The caller then streams the answer as usual.
        /// </summary>
        public static async Task KeepAliveAsync(HttpContext context, Fault? fault, EndpointState state)
        {
            if (fault?.Find("keepalive") is not Fault keepAlive || !keepAlive.Fires(state))
            {
                return;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; clock.ElapsedMilliseconds < keepAlive.Millis; i++)
            {
                await context.Response.WriteAsync(i % 2 == 0 ? ": keep-alive\n\n" : ": OPENROUTER PROCESSING\n\n", System.Text.Encoding.UTF8, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(Math.Min(500, Math.Max(1, keepAlive.Millis - (int)clock.ElapsedMilliseconds)), context.RequestAborted);
            }
        }

        public static JsonObject Describe() => new JsonObject { ["header"] = Header };
    }
}

namespace VisionPS.TestServer
{
    /// <summary>N requests per second with a burst of N: tokens refill continuously.</summary>
    public sealed class TokenBucket
    {
        private readonly double _perSecond;
        private readonly object _lock = new object();
        private double _tokens;
        private long _last = System.Diagnostics.Stopwatch.GetTimestamp();

        public TokenBucket(int perSecond)
        {
            _perSecond = perSecond;
            _tokens = perSecond;
        }

        /// <summary>Takes a token; when none is left, false and how long until one is.</summary>
        public bool TryTake(out TimeSpan wait)
        {
            lock (_lock)
            {
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                _tokens = Math.Min(_perSecond, _tokens + ((now - _last) / (double)System.Diagnostics.Stopwatch.Frequency * _perSecond));
                _last = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    wait = TimeSpan.Zero;
                    return true;
                }
                wait = TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
                return false;
            }
        }
    }
}

namespace VisionPS.TestServer
{
    /// <summary>
    /// Thrown by a streamed answer that fault:drop breaks off: the handler fails after its answer started, so Kestrel
    /// ends the connection after what was written (without the stream's closing chunk), in order, unlike a reset.
    /// </summary>
    public sealed class StreamDroppedException : Exception
    {
        public StreamDroppedException()
            : base("The stream was dropped by fault injection (fault:drop).")
        {
        }
    }
}
