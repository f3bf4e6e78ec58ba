using System;
using System.IO;
using System.Threading.Tasks;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// A test class run against the local endpoint: each test gets its own endpoint (with its own key) and work
    /// folder, and sessions whose defaults point at them, with the cache and batch records inside the work folder.
    /// </summary>
    public abstract class LocalEndpointTests : IAsyncLifetime
    {
        private readonly int _maxRetries;

        protected LocalEndpointTests(string key, string name, int maxRetries = 1)
        {
            Key = key;
            _maxRetries = maxRetries;
            Work = Path.Combine(Path.GetTempPath(), $"visionps-{name}-" + Guid.NewGuid().ToString("N"));
        }

        /// <summary>The API key the endpoint requires (tests check it never leaks).</summary>
        protected string Key { get; }

        /// <summary>A folder of this test's own, deleted afterwards.</summary>
        protected string Work { get; }

        /// <summary>The answer cache the sessions use, inside <see cref="Work"/>.</summary>
        protected string Cache => Path.Combine(Work, "cache");

        /// <summary>The batch record folder the sessions use, inside <see cref="Work"/>.</summary>
        protected string Records => Path.Combine(Work, "records");

        protected EndpointHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Work);
            Host = await EndpointHost.StartAsync(apiKey: Key);
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            if (Directory.Exists(Work))
            {
                Directory.Delete(Work, true);
            }
        }

        /// <summary>
        /// A session whose defaults are this endpoint, its key (as a SecureString), the class's retries (one unless it
        /// says otherwise), and the work folder's cache and records; on <paramref name="host"/> when given (a RecordingHost
        /// keeps what is written to the console, such as -WhatIf's lines).
        /// </summary>
        protected PowerShellSession Session(System.Management.Automation.Host.PSHost? host = null)
        {
            var ps = new PowerShellSession(host: host);
            ps.Run("Set-VisionDefault -BaseUri $args[0] -ApiKey ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -CachePath $args[2] -BatchPath $args[3] -MaxRetries $args[4]",
                Host.BaseUri, Key, Cache, Records, _maxRetries);
            Assert.Empty(ps.Errors);
            return ps;
        }

        /// <summary>The corpus wizard PNG cut after 2/5 of its bytes, in <see cref="Work"/>: the file ends part way down the image (preparing it writes ImageDamaged).</summary>
        protected string CutPng()
        {
            string path = Path.Combine(Work, "cut_wizard.png");
            byte[] whole = File.ReadAllBytes(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));
            File.WriteAllBytes(path, whole.AsSpan(0, whole.Length * 2 / 5).ToArray());
            return path;
        }
    }
}
