using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Session defaults read by work that runs off the pipeline thread (where PowerShell's current runspace is not set):
    /// they are still this session's.
    /// </summary>
    public sealed class SessionDefaultsOffThreadTests : IAsyncLifetime
    {
        private EndpointHost _host = null!;

        public async Task InitializeAsync() => _host = await EndpointHost.StartAsync();

        public async Task DisposeAsync() => await _host.DisposeAsync();

        [Fact]
        public void ConvertToVisionImageDownloadsWithinTheSessionsTimeout()
        {
            Uri url = _host.AddAsset("held.jpg", File.ReadAllBytes(Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            _host.State.RouteFaults["GET /assets/{name}"] = "slow=30000"; // the server holds the download
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -TimeoutSec 1");
            var clock = Stopwatch.StartNew();

            var images = ps.Run("ConvertTo-VisionImage -Uri $args[0] -Download", url.AbsoluteUri);

            Assert.Empty(images);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("ImageNotFound,VisionPS.Commands.ConvertToVisionImageCommand", error.FullyQualifiedErrorId);
            Assert.Contains("held.jpg", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("within 1 s", error.ToString(), StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: the session's 1 s timeout was not used");
        }
    }
}
