using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// A script that takes fewer answers than it asked for: <c>Send-VisionChat -PerImage | Select-Object -First 1</c>
    /// (here a <c>break</c> after the first, which stops the command the same way: the hosted engine has no
    /// Select-Object). Once the first answer is taken, no further request is sent.
    /// </summary>
    public sealed class TakeFirstTests : IAsyncLifetime
    {
        private const string Key = "sk-visionps-first-NEVER-PRINT-77aa";
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-first-" + Guid.NewGuid().ToString("N"));
        private EndpointHost _host = null!;

        public async Task InitializeAsync() => _host = await EndpointHost.StartAsync(apiKey: Key);

        public async Task DisposeAsync()
        {
            await _host.DisposeAsync();
            if (Directory.Exists(_dir))
            {
                Directory.Delete(_dir, true);
            }
        }

        private PowerShellSession Session()
        {
            var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -BaseUri $args[0] -ApiKey ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -CachePath $args[2] -MaxRetries 0",
                _host.BaseUri, Key, Path.Combine(_dir, "cache"));
            Assert.Empty(ps.Errors);
            return ps;
        }

        [Fact]
        public void TakingTheFirstAnswerOfAPerImageRunSendsNoFurtherRequest()
        {
            using var ps = Session();
            object[] images = Directory.GetFiles(Paths.Corpus, "*.gif").OrderBy(f => f, StringComparer.Ordinal).Take(4).Cast<object>().ToArray();
            // Each run asks its own question (nothing from the cache); one request at a time, so the first answer comes
            // before any other request may start. The script looks at the first answer a while before it stops.
            for (int run = 0; run < 3; run++)
            {
                int before = _host.State.RequestsTo("/chat/completions").Count;
                var taken = ps.Run("do { $args[1..($args.Count - 1)] | Send-VisionChat \"Describe it ($($args[0])).\" -PerImage -ThrottleLimit 1 -Model gpt-4o | ForEach-Object { [System.Threading.Thread]::Sleep(300); $_; break } } while ($false)",
                    new object[] { run }.Concat(images).ToArray());
                Assert.Single(taken);
                Assert.Empty(ps.Errors);
                Assert.Equal(1, _host.State.RequestsTo("/chat/completions").Count - before);
            }
        }
    }
}
