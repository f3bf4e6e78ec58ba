using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public sealed class VisionCacheTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-pscache-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_dir))
            {
                Directory.Delete(_dir, true);
            }
        }

        private void Seed(int count, TimeSpan age)
        {
            for (int i = 0; i < count; i++)
            {
                string key = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
                string file = Path.Combine(_dir, "v1", key.Substring(0, 2), key + ".json");
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, "{}");
                File.SetLastWriteTimeUtc(file, DateTime.UtcNow - age);
            }
        }

        [Fact]
        public void GetVisionCacheReportsTheSessionCacheFolder()
        {
            Seed(3, TimeSpan.Zero);
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -CachePath $args[0] -CacheMaxMB 5 -CacheExpiry ([TimeSpan]::FromDays(2))", _dir);
            PSObject stats = ps.Run("Get-VisionCache").Single();
            Assert.Empty(ps.Errors);
            Assert.Equal(_dir, stats.Properties["Root"].Value);
            Assert.Equal(3, stats.Properties["Entries"].Value);
            Assert.Equal(6L, stats.Properties["Bytes"].Value);
            Assert.Equal(5L * 1024 * 1024, stats.Properties["MaxBytes"].Value);
            Assert.Equal(TimeSpan.FromDays(2), stats.Properties["Expiry"].Value);
        }

        [Fact]
        public void ClearVisionCacheHonoursWhatIfAndUnusedFor()
        {
            Seed(2, TimeSpan.FromDays(10));
            Seed(1, TimeSpan.Zero);
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -CachePath $args[0]", _dir);

            Assert.Empty(ps.Run("Clear-VisionCache -WhatIf"));
            Assert.Equal(3, Directory.GetFiles(_dir, "*.json", SearchOption.AllDirectories).Length);

            Assert.Equal(2, ps.Run<int>("Clear-VisionCache -UnusedFor ([TimeSpan]::FromDays(1)) -PassThru -Confirm:$false").Single());
            Assert.Single(Directory.GetFiles(_dir, "*.json", SearchOption.AllDirectories));
            Assert.Equal(1, ps.Run<int>("Clear-VisionCache -PassThru -Confirm:$false").Single());
            Assert.Empty(ps.Errors);
        }
    }
}
