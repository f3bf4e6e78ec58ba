using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Bounds what one answer may bring: every response body (after decompression, so a gzip bomb counts as what it
    /// inflates to) is read through a stream that stops at <see cref="MaxAnswerBytes"/> (a stored file's content:
    /// <see cref="MaxFileBytes"/>) with <see cref="AnswerTooLargeException"/>. An endless or multi-GB answer costs at
    /// most that much memory, never the machine's.
    /// </summary>
    internal sealed class AnswerLimitHandler : DelegatingHandler
    {
        /// <summary>The most an answer, an error or a stream may hold: far above any real one (a 128k-token stream is ~40 MB).</summary>
        internal const long MaxAnswerBytes = 128L * 1024 * 1024;

        /// <summary>The most an error answer (any status but 2xx) may hold: a real one is a few hundred bytes.</summary>
        internal const long MaxErrorBytes = 4L * 1024 * 1024;

        /// <summary>The most a stored file's content (a batch's output) may hold.</summary>
        internal const long MaxFileBytes = 1024L * 1024 * 1024;

        internal AnswerLimitHandler(HttpMessageHandler inner)
            : base(inner)
        {
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Content is HttpContent content)
            {
                // An error is a message (it is read whole, parsed, scrubbed, and may come again on each retry): a small bound.
                bool success = (int)response.StatusCode is >= 200 and < 300;
                long limit = !success ? MaxErrorBytes : IsFileContent(request.RequestUri) ? MaxFileBytes : MaxAnswerBytes;
                response.Content = new LimitedContent(content, limit, (int)response.StatusCode);
            }
            return response;
        }

        private static bool IsFileContent(Uri? uri)
            => uri is not null && uri.AbsolutePath.EndsWith("/content", StringComparison.Ordinal) && uri.AbsolutePath.IndexOf("/files/", StringComparison.Ordinal) >= 0;

        /// <summary>The answer's content, read through a <see cref="LimitedStream"/>; its headers are the original's.</summary>
        private sealed class LimitedContent : HttpContent
        {
            private readonly HttpContent _inner;
            private readonly long _limit;
            private readonly int _status;

            internal LimitedContent(HttpContent inner, long limit, int status)
            {
                _inner = inner;
                _limit = limit;
                _status = status;
                foreach (KeyValuePair<string, IEnumerable<string>> header in inner.Headers)
                {
                    Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            protected override async Task<Stream> CreateContentReadStreamAsync()
                => new LimitedStream(await _inner.ReadAsStreamAsync().ConfigureAwait(false), _limit, _status, _inner.Headers.ContentLength);

#if NET
            protected override Stream CreateContentReadStream(CancellationToken cancellationToken)
                => new LimitedStream(_inner.ReadAsStream(cancellationToken), _limit, _status, _inner.Headers.ContentLength);

            protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
            {
                using Stream source = CreateContentReadStream(cancellationToken);
                source.CopyTo(stream);
            }
#endif

            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                using Stream source = await CreateContentReadStreamAsync().ConfigureAwait(false);
                await source.CopyToAsync(stream).ConfigureAwait(false);
            }

            protected override bool TryComputeLength(out long length)
            {
                length = _inner.Headers.ContentLength ?? -1;
                return length >= 0;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }
                base.Dispose(disposing);
            }
        }

        /// <summary>Passes reads through until more than the limit has come; keeps the first bytes to show what it was.</summary>
        private sealed class LimitedStream : ReadOnlyWrapperStream
        {
            private const int PrefixBytes = 4096;
            private readonly long _limit;
            private readonly int _status;
            private readonly long? _declared;
            private readonly MemoryStream _prefix = new MemoryStream();
            private long _read;

            internal LimitedStream(Stream inner, long limit, int status, long? declared)
                : base(inner)
            {
                _limit = limit;
                _status = status;
                _declared = declared;
            }

            public override long Position
            {
                get => _read;
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                Check();
                return Count(buffer, offset, Inner.Read(buffer, offset, count));
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                Check();
                return Count(buffer, offset, await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));
            }

#if NET
            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                Check();
                int n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (_prefix.Length < PrefixBytes && n > 0)
                {
                    _prefix.Write(buffer.Span.Slice(0, (int)Math.Min(n, PrefixBytes - _prefix.Length)));
                }
                return Add(n);
            }
#endif

            private void Check()
            {
                if (_declared is long declared && declared > _limit)
                {
                    throw new AnswerTooLargeException(_status, _limit, declared, string.Empty);
                }
            }

            private int Count(byte[] buffer, int offset, int n)
            {
                if (_prefix.Length < PrefixBytes && n > 0)
                {
                    _prefix.Write(buffer, offset, (int)Math.Min(n, PrefixBytes - _prefix.Length));
                }
                return Add(n);
            }

            private int Add(int n)
            {
                _read += n;
                if (_read > _limit)
                {
                    throw new AnswerTooLargeException(_status, _limit, null, Encoding.UTF8.GetString(_prefix.GetBuffer(), 0, (int)_prefix.Length));
                }
                return n;
            }
        }
    }

    /// <summary>An answer larger than VisionPS reads (<see cref="AnswerLimitHandler"/>): never retried, it would come back as large.</summary>
    internal sealed class AnswerTooLargeException : IOException
    {
        internal AnswerTooLargeException(int status, long limit, long? declared, string prefix)
            : base(declared is long d
                ? $"the answer declares {Size(d)}, more than the {Size(limit)} VisionPS reads"
                : $"the answer is larger than the {Size(limit)} VisionPS reads; it stopped reading there.")
        {
            Status = status;
            Prefix = prefix;
        }

        /// <summary>The answer's HTTP status.</summary>
        internal int Status { get; }

        /// <summary>The answer's first bytes (up to 4 KB), to show what it was.</summary>
        internal string Prefix { get; }

        private static string Size(long bytes) => bytes >= 1024L * 1024 * 1024 ? $"{bytes / (1024.0 * 1024 * 1024):0.#} GiB" : $"{bytes / (1024.0 * 1024):0.#} MiB";
    }

    /// <summary>
    /// A success answer (2xx) whose body did not arrive in full: the connection dropped or the timeout passed while it
    /// was read. The service has done the work (and may bill it), so <see cref="VisionRetryPolicy"/> never sends such a
    /// request (a POST) again.
    /// </summary>
    internal sealed class AnswerBodyFailedException : IOException
    {
        internal AnswerBodyFailedException(int status, bool timedOut, bool resendable, Exception inner)
            : base(timedOut
                ? $"the service answered (HTTP {status}), but its answer did not arrive in full within the timeout"
                : $"the service answered (HTTP {status}), but the connection failed while its answer was read", inner)
        {
            Status = status;
            TimedOut = timedOut;
            Resendable = resendable;
        }

        internal int Status { get; }

        internal bool TimedOut { get; }

        /// <summary>Whether the request may be sent again (a GET: reading costs nothing), so it was retried.</summary>
        internal bool Resendable { get; }
    }

    /// <summary>
    /// Per try: a failure while a 2xx answer's body is read (buffered by the SDK inside the try) becomes
    /// <see cref="AnswerBodyFailedException"/>, so the retry policy can tell it from a failure before any answer.
    /// </summary>
    internal sealed class AnswerBodyPolicy : PipelinePolicy
    {
        internal static readonly AnswerBodyPolicy Shared = new AnswerBodyPolicy();

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            PipelineResponse? previous = message.Response;
            try
            {
                ProcessNext(message, pipeline, currentIndex);
            }
            catch (Exception ex) when (Wrap(message, previous, ex) is Exception wrapped)
            {
                throw wrapped;
            }
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            PipelineResponse? previous = message.Response;
            try
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            catch (Exception ex) when (Wrap(message, previous, ex) is Exception wrapped)
            {
                throw wrapped;
            }
        }

        private static Exception? Wrap(PipelineMessage message, PipelineResponse? previous, Exception ex)
        {
            PipelineResponse? response = message.Response;
            if (response is null || ReferenceEquals(response, previous) || response.Status < 200 || response.Status >= 300
                || ex is AnswerTooLargeException || ex is RequestDeclinedException
                || message.CancellationToken.IsCancellationRequested)
            {
                return null; // no answer this try, the caller's cancellation (whatever it surfaced as), or handled elsewhere
            }
            return new AnswerBodyFailedException(response.Status, ex is OperationCanceledException,
                string.Equals(message.Request.Method, "GET", StringComparison.OrdinalIgnoreCase), ex);
        }
    }
}
