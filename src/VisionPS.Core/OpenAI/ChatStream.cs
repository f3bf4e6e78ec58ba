using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// A streamed chat answer: enumerate it for the text deltas as they arrive; afterwards <see cref="Result"/> holds the
    /// whole answer with the usage from the final chunk. Enumerate once.
    /// </summary>
    public sealed class ChatStream : IAsyncEnumerable<string>
    {
        private readonly Func<ChatStream, CancellationToken, IAsyncEnumerable<string>> _produce;
        private readonly CancellationToken _token;
        private readonly SecretScrubber _scrubber;
        private int _started;

        /// <summary>
        /// <paramref name="produce"/> yields the deltas and sets <see cref="ResultOrNull"/>; <paramref name="scrubber"/>'s
        /// credentials are removed from both (a service may repeat the key it was sent, even split across deltas).
        /// </summary>
        internal ChatStream(Func<ChatStream, CancellationToken, IAsyncEnumerable<string>> produce, SecretScrubber scrubber, CancellationToken token)
        {
            _produce = produce;
            _scrubber = scrubber;
            _token = token;
        }

        /// <summary>The complete answer, once the enumeration has finished.</summary>
        public ChatAnswer Result => ResultOrNull ?? throw new InvalidOperationException("The stream has not been read to its end yet.");

        internal ChatAnswer? ResultOrNull { get; set; }

        /// <summary>Reads the stream to its end, handing each delta to <paramref name="onDelta"/>; returns <see cref="Result"/>.</summary>
        internal async Task<ChatAnswer> DrainAsync(Action<string> onDelta, CancellationToken cancellationToken)
        {
            await foreach (string delta in this.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                onDelta(delta);
            }
            return Result;
        }

        /// <inheritdoc/>
        public IAsyncEnumerator<string> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _started, 1) != 0)
            {
                throw new InvalidOperationException("A chat stream can be read only once.");
            }
            CancellationToken token = cancellationToken.CanBeCanceled ? cancellationToken : _token;
            if (cancellationToken.CanBeCanceled && _token.CanBeCanceled)
            {
                // Both tokens must stop the stream; the linked source lives as long as the enumeration.
                var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _token);
                token = linked.Token;
                return new DisposingEnumerator(Scrubbed(_produce(this, token)).GetAsyncEnumerator(token), linked);
            }
            return Scrubbed(_produce(this, token)).GetAsyncEnumerator(token);
        }

        private async IAsyncEnumerable<string> Scrubbed(IAsyncEnumerable<string> deltas)
        {
            SecretScrubber.Pieces pieces = _scrubber.NewPieces();
            await foreach (string delta in deltas.ConfigureAwait(false))
            {
                string shown = pieces.Next(delta);
                if (shown.Length > 0)
                {
                    yield return shown;
                }
            }
            string rest = pieces.End();
            if (rest.Length > 0)
            {
                yield return rest;
            }
            if (ResultOrNull is ChatAnswer answer)
            {
                _scrubber.Scrub(answer);
            }
        }

        private sealed class DisposingEnumerator : IAsyncEnumerator<string>
        {
            private readonly IAsyncEnumerator<string> _inner;
            private readonly CancellationTokenSource _source;

            internal DisposingEnumerator(IAsyncEnumerator<string> inner, CancellationTokenSource source)
            {
                _inner = inner;
                _source = source;
            }

            public string Current => _inner.Current;

            public System.Threading.Tasks.ValueTask<bool> MoveNextAsync() => _inner.MoveNextAsync();

            public async System.Threading.Tasks.ValueTask DisposeAsync()
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
                _source.Dispose();
            }
        }
    }
}
