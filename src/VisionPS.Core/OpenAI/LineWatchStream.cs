using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Wraps a streamed answer's body and restarts the call's watchdog (<see cref="CallContext.StartWatchdog"/>) on each
    /// whole line ('\n') that comes, SSE comment lines (": keep-alive", gateways' ": OPENROUTER PROCESSING") included:
    /// a gateway that keeps the stream alive while a reasoning model thinks is not a stalled stream, but bytes without a
    /// line end (a drip) never restart it. Lines that carry nothing (comments, blank lines) restart it only while the
    /// last line with content is less than <see cref="KeepAliveFactor"/> times the timeout ago: keep-alives forever end.
    /// </summary>
    internal sealed class LineWatchStream : ReadOnlyWrapperStream
    {
        /// <summary>How many timeouts keep-alive lines alone may hold a stream open.</summary>
        internal const int KeepAliveFactor = 10;

        private readonly CallContext _call;
        private readonly long _keepAliveTicks;
        private long _lastContent = Stopwatch.GetTimestamp();
        private bool _atLineStart = true;
        private bool _lineHasContent;

        internal LineWatchStream(Stream inner, CallContext call)
            : base(inner)
        {
            _call = call;
            double seconds = Math.Min(call.WatchdogTime.TotalSeconds * KeepAliveFactor, TimeSpan.FromDays(1).TotalSeconds);
            _keepAliveTicks = (long)(seconds * Stopwatch.Frequency);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Inner.Read(buffer, offset, count);
            Saw(buffer, offset, n);
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int n = await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            Saw(buffer, offset, n);
            return n;
        }

#if NET
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Saw(buffer.Span.Slice(0, n));
            return n;
        }
#endif

        private void Saw(byte[] buffer, int offset, int n) => Saw(new ReadOnlySpan<byte>(buffer, offset, Math.Max(0, n)));

        private void Saw(ReadOnlySpan<byte> data)
        {
            bool line = false;
            foreach (byte b in data)
            {
                if (b == (byte)'\n')
                {
                    if (_lineHasContent)
                    {
                        _lastContent = Stopwatch.GetTimestamp();
                    }
                    line = true;
                    _atLineStart = true;
                    _lineHasContent = false;
                }
                else if (_atLineStart)
                {
                    _atLineStart = false;
                    _lineHasContent = b is not ((byte)':' or (byte)'\r');
                }
            }
            if (!line)
            {
                return;
            }
            long quiet = Stopwatch.GetTimestamp() - _lastContent;
            if (quiet < _keepAliveTicks)
            {
                // Answer text came after all (or the keep-alives are still within their cap): a later timeout is an ordinary one.
                _call.KeepAliveOnly = null;
                _call.StartWatchdog();
            }
            else
            {
                // The watchdog is left to fire: its error says the stream sent only keep-alives, and for how long.
                _call.KeepAliveOnly = TimeSpan.FromSeconds((double)quiet / Stopwatch.Frequency);
            }
        }
    }
}
