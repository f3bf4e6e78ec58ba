using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public class VisionDefaultTests
    {
        private const string Key = "sk-test-DO-NOT-LEAK-4c1f0e";

        [Fact]
        public void SetStoresDefaultsPerSessionAndGetNeverShowsTheKey()
        {
            using var ps = new PowerShellSession();
            using var other = new PowerShellSession();
            var set = ps.Run(
                "Set-VisionDefault -ApiKey ([System.Net.NetworkCredential]::new('', $args[0]).SecurePassword) " +
                "-Model gpt-4.1-mini -BaseUri http://127.0.0.1:9/v1 -MaxRetries 0 -TimeoutSec 30 -PassThru", Key).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("Session", set.Properties["ApiKeySource"].Value);
            Assert.Equal("gpt-4.1-mini", set.Properties["Model"].Value);
            Assert.Equal(0, set.Properties["MaxRetries"].Value);

            PSObject got = ps.Run("Get-VisionDefault").Single();
            Assert.Equal(new Uri("http://127.0.0.1:9/v1"), got.Properties["BaseUri"].Value);
            Assert.Equal(30, got.Properties["TimeoutSec"].Value);
            string everything = string.Join("\n", got.Properties.Select(p => $"{p.Name}={p.Value}")) + got;
            Assert.DoesNotContain(Key, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(got.Properties, p => p.Name.Equals("ApiKey", StringComparison.OrdinalIgnoreCase));

            // Another session (runspace) has its own defaults.
            PSObject fresh = other.Run("Get-VisionDefault").Single();
            Assert.Null(fresh.Properties["Model"].Value);
        }

        [Fact]
        public void ResetClearsAndOnlyGivenParametersChange()
        {
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -Model gpt-4o -MaxRetries 4");
            ps.Run("Set-VisionDefault -TimeoutSec 12");
            PSObject got = ps.Run("Get-VisionDefault").Single();
            Assert.Equal("gpt-4o", got.Properties["Model"].Value);
            Assert.Equal(4, got.Properties["MaxRetries"].Value);
            PSObject reset = ps.Run("Set-VisionDefault -Reset -Model o3 -PassThru").Single();
            Assert.Equal("o3", reset.Properties["Model"].Value);
            Assert.Null(reset.Properties["MaxRetries"].Value);
            Assert.Null(reset.Properties["TimeoutSec"].Value);
        }

        [Fact]
        public void InvalidValuesAreRejectedByParameterValidation()
        {
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -MaxRetries 99");
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("MaxRetries", error.ToString(), StringComparison.Ordinal);
            Assert.Null(ps.Run("Get-VisionDefault").Single().Properties["MaxRetries"].Value);
        }

        [Fact]
        public void ModelCompletesFromKnownVisionModels()
        {
            using var ps = new PowerShellSession();
            string input = "Set-VisionDefault -Model gpt-4.1-";
            var result = ps.Run("TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length", input).Single();
            var matches = ((System.Collections.IEnumerable)result.Properties["CompletionMatches"].Value).Cast<CompletionResult>()
                .Select(c => c.CompletionText).ToArray();
            Assert.Equal(new[] { "gpt-4.1-mini", "gpt-4.1-nano" }, matches);
        }
    }
}
