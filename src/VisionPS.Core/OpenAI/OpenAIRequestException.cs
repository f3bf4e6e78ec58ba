using System;
using System.Text.Json;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Every failure of a request to the service: an API error (status, type, code, param and the server's message), a
    /// dropped connection or a timeout (Status 0), with plain advice for the known traps. Never holds a credential.
    /// </summary>
    public sealed class OpenAIRequestException : Exception
    {
        internal OpenAIRequestException(int status, string? type, string? code, string? param, string serverMessage, string? hint, bool isRetryable, string? requestId, Exception? inner)
            : base(BuildMessage(status, type, code, UriText.WithoutUserInfo(serverMessage), hint), inner)
        {
            Status = status;
            Type = type;
            Code = code;
            Param = param;
            ServerMessage = UriText.WithoutUserInfo(serverMessage); // never a user name or password of an address (a proxy's)
            Hint = hint;
            IsRetryable = isRetryable;
            RequestId = requestId;
        }

        /// <summary>The HTTP status; 0 when no response arrived (connection dropped, timeout).</summary>
        public int Status { get; }

        /// <summary>The error's <c>type</c>, e.g. invalid_request_error; connection_error or timeout when no response arrived.</summary>
        public string? Type { get; }

        /// <summary>The error's <c>code</c>, e.g. invalid_value, insufficient_quota.</summary>
        public string? Code { get; }

        /// <summary>The error's <c>param</c>: which part of the request was wrong.</summary>
        public string? Param { get; }

        /// <summary>The service's own message (credentials removed).</summary>
        public string ServerMessage { get; }

        /// <summary>What to do about it, for the known traps; null otherwise.</summary>
        public string? Hint { get; }

        /// <summary>Whether trying again later can succeed (rate limits, 5xx, dropped connections; never quota).</summary>
        public bool IsRetryable { get; }

        /// <summary>The service's x-request-id, for support.</summary>
        public string? RequestId { get; }

        /// <summary>
        /// For an answer that could not be read (<see cref="UnreadableCode"/>): the raw body as the service sent it,
        /// credentials removed and cut at 64 KB, for -Debug. Null otherwise.
        /// </summary>
        public string? RawBody { get; private set; }

        /// <summary>
        /// For a streamed answer that broke off with an error: the text streamed before it (paid for, and possibly
        /// useful), credentials removed. Null otherwise.
        /// </summary>
        public string? PartialText { get; private set; }

        /// <summary>The <see cref="Code"/> of an answer the client could not read (a shape the SDK or VisionPS does not expect).</summary>
        public const string UnreadableCode = "response_unreadable";

        /// <summary>True when the service answered, but in a shape that could not be read; the request was paid for.</summary>
        public bool IsUnreadable => Code == UnreadableCode;

        /// <summary>How long the service asked to wait (retry-after-ms / retry-after), when it said so.</summary>
        public TimeSpan? RetryAfter { get; internal set; }

        private static string BuildMessage(int status, string? type, string? code, string serverMessage, string? hint)
        {
            string what = status == 0 ? (type ?? "connection_error") : $"HTTP {status}" + (type is null && code is null ? "" : $" {type ?? "error"}{(code is null ? "" : "/" + code)}");
            // The hint is a sentence of its own: a message the service or the network left without a full stop
            // ("Connection refused") gets one, so the two do not run together.
            string said = hint is null || serverMessage.EndsWith("...", StringComparison.Ordinal) ? serverMessage : MessageText.Sentence(serverMessage);
            return $"The OpenAI request failed ({what}): {said}" + (hint is null ? "" : " " + hint);
        }

        /// <summary>
        /// Builds the exception from an error response body (the real <c>{"error":{...}}</c> shape or anything else); a
        /// retry-after past <c>longestWait</c> (the longest wait between tries, -MaxRetryDelay) is named in the advice.
        /// </summary>
        internal static OpenAIRequestException FromResponse(int status, string? body, string? requestId, SecretScrubber scrubber, Exception? inner, TimeSpan? retryAfter = null, TimeSpan? longestWait = null)
        {
            string? type = null, code = null, param = null, message = null;
            if (!string.IsNullOrEmpty(body))
            {
                try
                {
                    using var doc = JsonDocument.Parse(body!);
                    JsonElement root = doc.RootElement;
                    JsonElement error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out JsonElement e) ? e : root;
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        type = GetString(error, "type");
                        code = GetString(error, "code");
                        param = GetString(error, "param");
                        message = GetString(error, "message");
                    }
                    else if (error.ValueKind == JsonValueKind.String)
                    {
                        message = error.GetString();
                    }
                }
                catch (JsonException)
                {
                }
                // Not OpenAI's {"error":{...}} shape (a gateway's list of violations, an HTML page): show the body itself.
                message ??= Trim(body!);
            }
            message = Shorten(scrubber.Scrub(string.IsNullOrWhiteSpace(message) ? $"HTTP {status} with no error message." : message!));
            param = param is null ? null : scrubber.Scrub(param);
            bool quota = code == "insufficient_quota" || type == "insufficient_quota";
            bool retryable = !quota && (status == 408 || status == 409 || status == 429 || status >= 500);
            string? hint = HintFor(status, type, code, param, message);
            if (retryable && retryAfter is TimeSpan wait && wait > (longestWait ?? LongWait))
            {
                // Retries wait at most -MaxRetryDelay (a minute unless set) apart: a service that asks for an hour or a day (a daily quota) is not waited out.
                hint = $"The service asks to wait {Describe(wait)} before trying again; retries do not wait that long, so try again then.";
            }
            return new OpenAIRequestException(status, type, code, param, message, hint, retryable, requestId, inner) { RetryAfter = retryAfter };
        }

        /// <summary>An answer (HTTP <paramref name="status"/>) that arrived but could not be read: not retried, the raw body kept.</summary>
        internal static OpenAIRequestException Unreadable(int status, string reason, string? rawBody, string? requestId, SecretScrubber scrubber, Exception? inner)
        {
            string message = scrubber.Scrub($"The service answered, but the answer cannot be read: {reason}");
            return new OpenAIRequestException(status, "invalid_response", UnreadableCode, null, message,
                "The request was sent (and may be billed); run with -Debug to see the raw answer, and check that the base URI is an OpenAI-compatible endpoint.",
                false, requestId, inner)
            {
                RawBody = rawBody is null ? null : scrubber.Scrub(rawBody.Length > 65536 ? rawBody.Substring(0, 65536) + "..." : rawBody),
            };
        }

        /// <summary>The same error with other advice (a download too large to read: where to get the file instead).</summary>
        internal OpenAIRequestException WithHint(string hint)
            => new OpenAIRequestException(Status, Type, Code, Param, ServerMessage, hint, IsRetryable, RequestId, InnerException)
            {
                RawBody = RawBody,
                RetryAfter = RetryAfter,
                PartialText = PartialText,
            };

        /// <summary>
        /// A redirect (3xx), not followed: the message names where it pointed; when the request's address and the base
        /// URI are known, the advice names the base URI the redirect implies (its address without the request's path).
        /// </summary>
        internal static OpenAIRequestException Redirected(int status, string? location, Uri? requestUri, Uri? baseUri, string? requestId, SecretScrubber scrubber)
        {
            string where = string.IsNullOrWhiteSpace(location) ? "no address (no Location header)" : "'" + scrubber.Scrub(location!.Trim()) + "'";
            string? suggested = RedirectBase(location, requestUri, baseUri);
            return new OpenAIRequestException(status, "redirect", "redirect_not_followed", null,
                $"The service answered with a redirect to {where}; {VisionClient.NoRedirects}.",
                suggested is null
                    ? "Check the base URI: if the redirect's address is the right endpoint, use that address instead (for example https:// instead of http://, or the path ending in /v1)."
                    : $"Check the base URI: if the redirect's address is the right endpoint, use the base URI '{scrubber.Scrub(suggested)}' instead.",
                false, requestId, null);
        }

        /// <summary>The redirect's address less the request's path below the base URI (https://h/v1/chat/completions: https://h/v1); null when it does not end so.</summary>
        internal static string? RedirectBase(string? location, Uri? requestUri, Uri? baseUri)
        {
            if (string.IsNullOrWhiteSpace(location) || requestUri is null || baseUri is null
                || !Uri.TryCreate(requestUri, location!.Trim(), out Uri? target) || !(target.Scheme == Uri.UriSchemeHttps || target.Scheme == Uri.UriSchemeHttp))
            {
                return null;
            }
            string basePath = baseUri.AbsolutePath.TrimEnd('/');
            string requestPath = requestUri.AbsolutePath;
            if (!requestPath.StartsWith(basePath + "/", StringComparison.Ordinal))
            {
                return null;
            }
            string relative = requestPath.Substring(basePath.Length); // "/chat/completions"
            string targetPath = target.AbsolutePath;
            if (!targetPath.EndsWith(relative, StringComparison.Ordinal))
            {
                return null;
            }
            // Never a user name or password: a relative Location takes the request's, written into the base URI.
            return UriText.Address(target) + targetPath.Substring(0, targetPath.Length - relative.Length);
        }

        /// <summary>
        /// A success answer whose body did not arrive in full (timeout or dropped connection while it was read): not sent
        /// again, since the service did the work.
        /// </summary>
        internal static OpenAIRequestException AnswerLost(AnswerBodyFailedException lost, SecretScrubber scrubber, TimeSpan? timeout = null)
        {
            string cause = lost.TimedOut ? (Span(timeout) is string span ? $" ({span}, -TimeoutSec)" : string.Empty) : ": " + Innermost(lost).Message;
            string message = scrubber.Scrub(char.ToUpperInvariant(lost.Message[0]) + lost.Message.Substring(1) + cause + ".");
            return new OpenAIRequestException(lost.Status, lost.TimedOut ? "timeout" : "connection_error", "answer_incomplete", null, message,
                (lost.Resendable ? "Try again later" : "It was not sent again, because the service did the work and may bill it; try again later")
                + (lost.TimedOut ? ", or " + char.ToLowerInvariant(TimeoutAdvice[0]) + TimeoutAdvice.Substring(1) + "." : "."),
                true, null, lost);
        }

        /// <summary>
        /// A stream (HTTP 2xx) that sent nothing but keep-alive comment lines for <paramref name="quiet"/>, past the
        /// <paramref name="factor"/> timeouts they may hold a stream open: no answer text came, and the timeout then ended it.
        /// </summary>
        internal static OpenAIRequestException KeptAliveOnly(AnswerBodyFailedException lost, TimeSpan quiet, int factor, SecretScrubber scrubber, TimeSpan timeout)
        {
            string limit = Span(timeout) is string span ? $" ({span}, -TimeoutSec)" : string.Empty;
            string message = $"The service answered (HTTP {lost.Status}), but then sent only keep-alive comments, no answer text, for {Describe(quiet)}: "
                + $"keep-alive comments alone hold a stream open for at most {factor} times the timeout{limit}.";
            return new OpenAIRequestException(lost.Status, "timeout", "answer_incomplete", null, scrubber.Scrub(message),
                "It was not sent again, because the service may have done the work and bill it. The model (or a gateway in front of it) may be overloaded or stuck: try again later, or "
                + char.ToLowerInvariant(TimeoutAdvice[0]) + TimeoutAdvice.Substring(1) + " to wait longer for it.",
                true, null, lost);
        }

        /// <summary>Where the timeout of a request is set, as advice.</summary>
        private const string TimeoutAdvice = "Raise -TimeoutSec (or Set-VisionDefault -TimeoutSec)";

        /// <summary>A timeout in words ("300 ms", "2 s", "5 min (300 s)"); null when there is none.</summary>
        private static string? Span(TimeSpan? timeout) => timeout is TimeSpan t && t > TimeSpan.Zero && t != System.Threading.Timeout.InfiniteTimeSpan
            ? t.TotalSeconds < 1 ? t.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms" : Describe(t)
            : null;

        /// <summary>
        /// A streamed answer (HTTP <paramref name="status"/>) that broke off: an error event from the service, or the end
        /// of the stream before the answer was finished. The request ran (and may be billed); the text so far is partial.
        /// </summary>
        internal static OpenAIRequestException StreamBroken(int status, string? type, string? code, string? param, string message, string? requestId, SecretScrubber scrubber, string? partialText = null)
            => new OpenAIRequestException(status, type ?? "invalid_response", code ?? "stream_incomplete", param is null ? null : scrubber.Scrub(param), Shorten(scrubber.Scrub(message)),
                "The text streamed so far is incomplete; send the same request without -Stream to see the service's complete answer or error.", true, requestId, null)
            {
                PartialText = string.IsNullOrEmpty(partialText) ? null : scrubber.Scrub(partialText!),
            };

        /// <summary>An error event inside a stream (<c>data: {"error":{...}}</c>), read as an error answer is.</summary>
        internal static OpenAIRequestException StreamError(int status, string errorJson, string? requestId, SecretScrubber scrubber, string? partialText = null)
        {
            OpenAIRequestException parsed = FromResponse(status, "{\"error\":" + errorJson + "}", requestId, scrubber, null);
            string said = parsed.ServerMessage.TrimEnd();
            return StreamBroken(status, parsed.Type ?? "server_error", parsed.Code, parsed.Param,
                "The answer's stream broke off with an error from the service: " + said + (said.EndsWith(".", StringComparison.Ordinal) || said.EndsWith("!", StringComparison.Ordinal) ? "" : "."), requestId, scrubber, partialText);
        }

        /// <summary>A success status (2xx) whose body says the work did not succeed (a Responses status failed, cancelled or queued).</summary>
        internal static OpenAIRequestException NotAnswered(int status, string? code, string message, string? responseId, SecretScrubber scrubber)
            => new OpenAIRequestException(status, "response_failed", code is null ? "response_failed" : scrubber.Scrub(code), null, Shorten(scrubber.Scrub(message)),
                "Nothing was answered; try again later" + (responseId is null ? "." : $" (response id {responseId})."), true, null, null);

        /// <summary>
        /// A Responses answer (HTTP <paramref name="status"/>) holding no answer message, e.g. only a reasoning model's
        /// reasoning: <paramref name="message"/> says what it holds, <paramref name="hint"/> what to do. Paid for, but
        /// nothing to read (and nothing to keep in the answer cache).
        /// </summary>
        internal static OpenAIRequestException NoAnswer(int status, string message, string hint, bool retryable, SecretScrubber scrubber)
            => new OpenAIRequestException(status, "no_answer", "no_answer", null, Shorten(scrubber.Scrub(message)), scrubber.Scrub(hint), retryable, null, null);

        /// <summary>A retry-after past this is named in the error's advice (the default longest wait between tries).</summary>
        private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(60);

        /// <summary>A wait in words: "90 s", "2.5 h (9000 s)", "1 day (86400 s)".</summary>
        internal static string Describe(TimeSpan wait)
        {
            string seconds = wait.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " s";
            if (wait.TotalMinutes < 2)
            {
                return seconds;
            }
            string words = wait.TotalHours < 2 ? $"{wait.TotalMinutes:0} min"
                : wait.TotalDays < 2 ? $"{wait.TotalHours:0.#} h"
                : $"{wait.TotalDays:0.#} days";
            if (wait.TotalDays >= 1 && wait.TotalDays < 1.05)
            {
                words = "1 day";
            }
            return $"{words.Replace(',', '.')} ({seconds})";
        }

        /// <summary>The most of a service's error message an error shows (a hostile one may be megabytes).</summary>
        internal const int MaxMessageChars = 2000;

        private static string Shorten(string message)
            => message.Length <= MaxMessageChars ? message : message.Substring(0, MaxMessageChars) + "... (cut: " + message.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " characters in all)";

        private static string Trim(string body)
        {
            string flat = string.Join(" ", body.Split(new[] { '\r', '\n', '\t' }, StringSplitOptions.RemoveEmptyEntries)).Trim();
            return flat.Length > 500 ? flat.Substring(0, 500) + "..." : flat;
        }

        /// <summary>
        /// A failure before any response: connection refused or dropped, or the per-try <paramref name="timeout"/>, which
        /// the message names with the number of <paramref name="tries"/> it cut short (the retries -MaxRetries allows).
        /// </summary>
        internal static OpenAIRequestException FromTransport(Exception inner, bool timedOut, SecretScrubber scrubber, TimeSpan? timeout = null, int tries = 1, Uri? proxy = null)
        {
            // .NET's own text may quote a proxy's whole URI, user name and password included ("The proxy tunnel request
            // to proxy 'http://user:pass@host:port/' failed ..."): taken out of every URI here, whatever its length (the
            // scrubber knows only the key), and the exception kept inside is a copy that says the same, less them.
            string said = WithoutStrayQuote(UriText.WithoutUserInfo(scrubber.Scrub(Innermost(inner).Message), proxy));
            Exception kept = said == Innermost(inner).Message && inner.ToString().IndexOf('@') < 0 ? inner : new System.Net.Http.HttpRequestException(said);
            if (!timedOut && proxy is not null)
            {
                // Through an explicit proxy, the refusal or drop may be the proxy's: name it (never its user name or password).
                string via = UriText.Address(proxy);
                return new OpenAIRequestException(0, "connection_error", null, null,
                    $"{MessageText.Clause(said)} (the request went through the proxy {via}).",
                    $"Check that the proxy {via} (Set-VisionDefault -Proxy) runs and lets the request through, then the base URI and the network, and try again.", true, null, kept);
            }
            string message = timedOut
                ? $"The service did not answer within {(Span(timeout) is string span ? span + " (-TimeoutSec)" : "the timeout")}{(tries > 1 ? $", on each of {tries} tries" : string.Empty)}."
                : said;
            string hint = timedOut
                ? TimeoutAdvice + ", send smaller images, or try again later."
                : "The connection failed or was dropped; check the base URI, the proxy and the network, then try again.";
            return new OpenAIRequestException(0, timedOut ? "timeout" : "connection_error", null, null, message, hint, true, null, kept);
        }

        /// <summary>
        /// The text less a closing double quote nothing opened: .NET's proxy-tunnel message ends "... status code '407'.\""
        /// (a quote left in its resource text).
        /// </summary>
        internal static string WithoutStrayQuote(string text)
        {
            string trimmed = text.TrimEnd();
            return trimmed.EndsWith("\"", StringComparison.Ordinal) && trimmed.Split('"').Length % 2 == 0
                ? MessageText.Sentence(trimmed.Substring(0, trimmed.Length - 1))
                : text;
        }

        /// <summary>A request the transport refuses to send because the service is known to reject it.</summary>
        internal static OpenAIRequestException Refused(string param, string message, string hint)
            => new OpenAIRequestException(0, "invalid_request_error", "refused_before_sending", param, message, hint, false, null, null);

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException is not null)
            {
                ex = ex.InnerException;
            }
            return ex;
        }

        private static string? GetString(JsonElement e, string name)
            => e.TryGetProperty(name, out JsonElement v) ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            } : null;

        internal static string? HintFor(int status, string? type, string? code, string? param, string message)
        {
            string m = message.ToLowerInvariant();
            if (code == "insufficient_quota" || type == "insufficient_quota")
            {
                return Hints.Quota;
            }
            if ((param is not null && param.EndsWith("image_url.url", StringComparison.Ordinal) && m.Contains("expected a valid url"))
                || m.Contains("expected a valid url"))
            {
                return Hints.DataUrlNotAccepted;
            }
            if (code == "invalid_image_url" || m.Contains("error while downloading") || m.Contains("timeout while downloading") || m.Contains("could not download"))
            {
                return Hints.CouldNotDownload;
            }
            if (code == "image_too_large" || status == 413 || m.Contains("too large") || m.Contains("exceeds the maximum"))
            {
                return Hints.TooLarge;
            }
            if (code == "invalid_image_format" || code == "image_parse_error" || code == "invalid_image" || m.Contains("unsupported image") || m.Contains("animated"))
            {
                return Hints.Unsupported;
            }
            if (status == 401)
            {
                return Hints.Unauthorized;
            }
            if (status == 404 && code == "model_not_found")
            {
                return Hints.ModelNotFound;
            }
            if (status == 404 && type is null && code is null && m.Contains("model") && (m.Contains("not found") || m.Contains("does not exist")))
            {
                // A server's own shape for an unknown model ({"error":"model 'x' not found"}, as Ollama answers): the route is right.
                return Hints.ModelNotFound;
            }
            if ((status == 404 || status == 405) && type is null && code is null)
            {
                // Not OpenAI's {"error":{...}} shape: a web server's or proxy's page, so the route itself is wrong.
                return Hints.NoSuchRoute;
            }
            if (status == 429)
            {
                return Hints.RateLimited;
            }
            return null;
        }
    }
}
