using System;
using System.Threading;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Counts a run's requests that really went out and are not yet answered: a request counts from the moment a try of
    /// it leaves the rate-limit gate for the wire, until its answer is read (or it ends); a try that got no success
    /// answer (a 429, a server error, a dropped connection) stops it counting until a retry goes out. A request waiting
    /// behind a rate-limit pause, for a slot, or between retries is not counted: a stop refuses it before it is sent.
    /// The tries of a request find their counter through the async flow the request was made in (<see cref="Track"/>).
    /// </summary>
    internal sealed class RequestsOnWire
    {
        private static readonly AsyncLocal<Request?> s_current = new AsyncLocal<Request?>();

        private int _count;

        /// <summary>How many requests are on the wire now.</summary>
        internal int Count => Volatile.Read(ref _count);

        /// <summary>
        /// Makes the calls of the current async flow (until the caller's async method returns) one request of this
        /// counter; dispose the result when the request has ended.
        /// </summary>
        internal IDisposable Track()
        {
            var request = new Request(this);
            s_current.Value = request;
            return request;
        }

        /// <summary>A try of the current flow's request left the gate for the wire (<see cref="RateLimitPolicy"/>).</summary>
        internal static void TrySent() => s_current.Value?.OnWire(true);

        /// <summary>A try of the current flow's request ended without a success answer: it is off the wire.</summary>
        internal static void TryUnanswered() => s_current.Value?.OnWire(false);

        private sealed class Request : IDisposable
        {
            private readonly RequestsOnWire _owner;
            private int _onWire;

            internal Request(RequestsOnWire owner) => _owner = owner;

            internal void OnWire(bool on)
            {
                if (Interlocked.Exchange(ref _onWire, on ? 1 : 0) != (on ? 1 : 0))
                {
                    Interlocked.Add(ref _owner._count, on ? 1 : -1);
                }
            }

            public void Dispose() => OnWire(false);
        }
    }
}
