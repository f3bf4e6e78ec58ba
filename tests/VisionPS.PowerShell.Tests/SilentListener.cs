using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>A TCP listener that accepts connections and never answers (or closes each at once), noting when each came.</summary>
    internal sealed class SilentListener : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly List<TcpClient> _held = new List<TcpClient>();

        public SilentListener(IPAddress address, bool close)
        {
            _listener = new TcpListener(address, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        TcpClient client = await _listener.AcceptTcpClientAsync();
                        lock (_held)
                        {
                            Accepted.Add(DateTime.UtcNow);
                            if (close)
                            {
                                client.Dispose();
                            }
                            else
                            {
                                _held.Add(client);
                            }
                        }
                    }
                }
                catch (Exception)
                {
                    // stopped
                }
            });
        }

        public int Port { get; }

        public List<DateTime> Accepted { get; } = new List<DateTime>();

        public DateTime[] AcceptedNow()
        {
            lock (_held)
            {
                return Accepted.ToArray();
            }
        }

        /// <summary>
        /// This machine's non-loopback IPv4 address: another computer, as far as the module can tell (a listener on
        /// <see cref="IPAddress.Any"/> answers there).
        /// </summary>
        public static string NonLoopbackAddress()
            => Dns.GetHostAddresses(Dns.GetHostName())
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                .Select(a => a.ToString()).FirstOrDefault() ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address for the test");

        public void Dispose()
        {
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(c => c.Dispose());
            }
        }
    }
}
