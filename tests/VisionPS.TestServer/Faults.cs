using System;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>
    /// Fault injection, by model name ("fault:SPEC") or the X-VisionPS-Fault header (SPEC). SPEC is KIND[xN][:tag]:
    /// 429 (retry-after-ms 30 and retry-after 1), 429s (retry-after 1 only), quota (insufficient_quota), 500,
    /// echo-key (401 quoting the key sent), drop (connection dropped: before the answer, or after 2 stream chunks),
    /// slow=MS (answer after MS), trickle=MS (stream chunks after the first content chunk MS apart). xN: only the first N requests with that spec
    /// fail; the tag keeps specs of different tests apart.
    /// </summary>
    public sealed class Fault
    {
        public const string Header = "X-VisionPS-Fault";

        private Fault(string spec, string kind, int? times, int millis)
        {
            Spec = spec;
            Kind = kind;
            Times = times;
            Millis = millis;
        }

        public string Spec { get; }
        public string Kind { get; }
        public int? Times { get; }
        public int Millis { get; }

        public static Fault? From(HttpContext context, string? model)
        {
            string? spec = context.Request.Headers[Header].ToString();
            if (string.IsNullOrEmpty(spec) && model is not null && model.StartsWith("fault:", StringComparison.Ordinal))
            {
                spec = model.Substring("fault:".Length);
            }
            if (string.IsNullOrEmpty(spec))
            {
                return null;
            }
            string head = spec.Split(':')[0];
            int? times = null;
            int x = head.LastIndexOf('x');
            if (x > 0 && int.TryParse(head.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                times = n;
                head = head.Substring(0, x);
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
            int hit = state.FaultHits.AddOrUpdate(Spec, 1, (_, old) => old + 1);
            return Times is not int limit || hit <= limit;
        }

        /// <summary>Applies a fault that replaces the answer; true when the response is done (or the connection dropped).</summary>
        public async Task<bool> ApplyBeforeAnswerAsync(HttpContext context, EndpointState state, string model, bool streaming)
        {
            switch (Kind)
            {
                case "429":
                case "429s":
                    if (!Fires(state))
                    {
                        return false;
                    }
                    if (Kind == "429")
                    {
                        context.Response.Headers["retry-after-ms"] = "30";
                    }
                    context.Response.Headers["retry-after"] = "1";
                    context.Response.Headers["x-ratelimit-limit-requests"] = "500";
                    context.Response.Headers["x-ratelimit-remaining-requests"] = "0";
                    context.Response.Headers["x-ratelimit-reset-requests"] = "30ms";
                    throw new ApiError(429, $"Rate limit reached for {model} in organization org-test on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 30ms.", "requests", null, "rate_limit_exceeded");
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
                case "echo-key":
                    string sent = context.Request.Headers.Authorization.ToString();
                    sent = sent.StartsWith("Bearer ", StringComparison.Ordinal) ? sent.Substring(7) : context.Request.Headers["api-key"].ToString();
                    throw new ApiError(401, $"Incorrect API key provided: {sent}. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
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

        public static JsonObject Describe() => new JsonObject { ["header"] = Header };
    }
}
