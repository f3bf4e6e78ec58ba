using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>Error translation: SDK and network failures become OpenAIRequestException; answers that cannot be read, unreadable-answer errors.</summary>
    public sealed partial class VisionClient
    {
        /// <summary>Sends through <paramref name="call"/> and reads the answer; any failure to read it becomes an unreadable-answer error.</summary>
        private async Task<ChatAnswer> ReadAsync<T>(CallContext call, Func<Task<T>> send, Func<T, ChatAnswer> read, CancellationToken cancellationToken)
        {
            T result;
            try
            {
                result = await send().ConfigureAwait(false);
            }
            catch (Exception ex) when (Translate(ex, cancellationToken) is Exception translated)
            {
                throw translated;
            }
            catch (Exception ex) when (IsUnreadable(ex, call, cancellationToken))
            {
                throw Unreadable(call, ex);
            }
            try
            {
                return _scrubber.Scrub(read(result)); // a service may repeat the key it was sent in its answer
            }
            catch (Exception ex) when (IsUnreadable(ex, call, cancellationToken))
            {
                throw Unreadable(call, ex);
            }
        }

        /// <summary>An exception that means the answer arrived (2xx) but the SDK or VisionPS could not make sense of it.</summary>
        private static bool IsUnreadable(Exception ex, CallContext call, CancellationToken cancellationToken)
            => call.Status is >= 200 and < 300 && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
               && ex is not RequestDeclinedException and not OpenAIRequestException and not OutOfMemoryException;

        private OpenAIRequestException Unreadable(CallContext call, Exception ex)
            => OpenAIRequestException.Unreadable(call.Status, ex.Message, call.Body?.ToString(), call.RequestId, _scrubber, ex);

        /// <summary>
        /// The next update of a streamed answer (Chat or Responses): false at its end; a failure is translated as any
        /// other call's, and a 2xx stream that cannot be read is an unreadable answer with its raw body.
        /// </summary>
        private async Task<bool> NextUpdateAsync<T>(System.Collections.Generic.IAsyncEnumerator<T> updates, CallContext call, CancellationToken cancellationToken)
        {
            try
            {
                return await updates.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (call.WatchdogFired(cancellationToken) && ex is not OpenAIRequestException)
            {
                // The answer began (and may be billed) but no line of it came within the timeout, or only keep-alive
                // comments for longer than they may hold it open: never sent again.
                var lost = new AnswerBodyFailedException(call.Status, timedOut: true, resendable: false, ex);
                throw call.KeepAliveOnly is TimeSpan quiet
                    ? OpenAIRequestException.KeptAliveOnly(lost, quiet, LineWatchStream.KeepAliveFactor, _scrubber, _connection.Timeout)
                    : OpenAIRequestException.AnswerLost(lost, _scrubber, _connection.Timeout);
            }
            catch (Exception ex) when (Translate(ex, cancellationToken) is Exception translated)
            {
                throw translated;
            }
            catch (Exception ex) when (IsUnreadable(ex, call, cancellationToken))
            {
                throw Unreadable(call, ex);
            }
        }

        /// <summary>
        /// <see cref="NextUpdateAsync{T}(System.Collections.Generic.IAsyncEnumerator{T}, CallContext, CancellationToken)"/>
        /// for a stream that has already streamed <paramref name="streamed"/>: a drop or timeout after some text is a stream
        /// that broke off, carrying that text (paid for) as its partial text, not a connection that failed to start.
        /// </summary>
        private async Task<bool> NextUpdateAsync<T>(System.Collections.Generic.IAsyncEnumerator<T> updates, CallContext call, System.Text.StringBuilder streamed, CancellationToken cancellationToken)
        {
            try
            {
                return await NextUpdateAsync(updates, call, cancellationToken).ConfigureAwait(false);
            }
            catch (OpenAIRequestException ex) when (streamed.Length > 0 && ex.PartialText is null && !ex.IsUnreadable)
            {
                string said = ex.ServerMessage.TrimEnd();
                throw OpenAIRequestException.StreamBroken(ex.Status, ex.Type, ex.Code, null,
                    $"The answer's stream broke off after {streamed.Length} characters: {said}{(said.EndsWith(".", StringComparison.Ordinal) ? "" : ".")}",
                    call.RequestId, _scrubber, streamed.ToString());
            }
        }

        internal async Task<T> GuardAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (Translate(ex, cancellationToken) is Exception translated)
            {
                throw translated;
            }
        }

        /// <summary>Maps SDK and network failures to <see cref="OpenAIRequestException"/>; null leaves the exception as it is.</summary>
        private Exception? Translate(Exception ex, CancellationToken cancellationToken, int tries = 1)
        {
            // The retry policy aggregates the failures of all tries; the last one is what the caller needs.
            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                Exception last = aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1];
                int timedOut = aggregate.InnerExceptions.Count(e => e is OperationCanceledException && !cancellationToken.IsCancellationRequested);
                return Translate(last, cancellationToken, timedOut == aggregate.InnerExceptions.Count ? timedOut : 1) ?? last;
            }
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                if (e is AnswerTooLargeException tooLarge)
                {
                    return OpenAIRequestException.Unreadable(tooLarge.Status, tooLarge.Message, tooLarge.Prefix, null, _scrubber, tooLarge);
                }
            }
            switch (ex)
            {
                case OpenAIRequestException:
                    return null;
                case AnswerBodyFailedException lost:
                    return OpenAIRequestException.AnswerLost(lost, _scrubber, _connection.Timeout);
                case OperationCanceledException when cancellationToken.IsCancellationRequested:
                    return null;
                case OperationCanceledException:
                    // The pipeline's per-try timeout surfaces as a cancellation nobody asked for.
                    return OpenAIRequestException.FromTransport(ex, timedOut: true, _scrubber, _connection.Timeout, tries);
                case ClientResultException cre when cre.GetRawResponse() is PipelineResponse response:
                    string? requestId = response.Headers.TryGetValue("x-request-id", out string? rid) ? rid : null;
                    string body;
                    try
                    {
                        body = response.Content.ToString();
                    }
                    catch (InvalidOperationException)
                    {
                        body = string.Empty;
                    }
                    TimeSpan? retryAfter = VisionRetryPolicy.TryGetRetryAfter(response, out TimeSpan wait) ? wait : null;
                    return response.Status is >= 300 and < 400
                        ? OpenAIRequestException.Redirected(response.Status, response.Headers.TryGetValue("Location", out string? location) ? location : null, CallContext.Current?.RequestUri, _connection.Azure?.Endpoint ?? _resourceUri, requestId, _scrubber)
                        : OpenAIRequestException.FromResponse(response.Status, body, requestId, _scrubber, null, retryAfter, _connection.MaxRetryDelay);
                case ClientResultException cre:
                    return cre.InnerException is OperationCanceledException && cancellationToken.IsCancellationRequested
                        ? new OperationCanceledException(cancellationToken)
                        : OpenAIRequestException.FromTransport(cre.InnerException ?? cre, timedOut: false, _scrubber, proxy: ExplicitProxy);
                case HttpRequestException:
                case IOException:
                    return OpenAIRequestException.FromTransport(ex, timedOut: false, _scrubber, proxy: ExplicitProxy);
                default:
                    return null;
            }
        }

        /// <summary>The proxy requests go through when one is set (not the system's), for connection errors to name.</summary>
        private Uri? ExplicitProxy => _connection.NoProxy ? null : _connection.Proxy;

        /// <summary>Reads a small JSON answer (a file, a batch, an id); one that cannot be read is an unreadable-answer error.</summary>
        internal T ReadBody<T>(PipelineResponse response, Func<BinaryData, T> read)
        {
            try
            {
                return read(response.Content);
            }
            catch (Exception ex) when (ex is not OpenAIRequestException and not OutOfMemoryException)
            {
                throw OpenAIRequestException.Unreadable(response.Status, ex.Message, response.Content.ToString(),
                    response.Headers.TryGetValue("x-request-id", out string? id) ? id : null, _scrubber, ex);
            }
        }
    }
}
