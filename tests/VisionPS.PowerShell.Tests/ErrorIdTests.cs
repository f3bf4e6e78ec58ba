using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Every failure a user can cause with a path, a folder or a file is a VisionPS error id naming the input, never a
    /// raw .NET exception, and the other items of the run go on.
    /// </summary>
    public sealed class ErrorIdTests : LocalEndpointTests
    {
        public ErrorIdTests()
            : base("sk-visionps-errorids-NEVER-PRINT-93c1", "errorids")
        {
        }

        private string AFile()
        {
            string file = Path.Combine(Work, "not-a-folder.txt");
            File.WriteAllText(file, "x");
            return file;
        }

        private static string Id(ErrorRecord e) => e.FullyQualifiedErrorId.Split(',')[0];

        private static void AssertVisionPSError(ErrorRecord e, string id, string names)
        {
            Assert.Equal(id, Id(e));
            Assert.Contains(names, e.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("System.", Id(e), StringComparison.Ordinal);
        }

        [Fact]
        public void ExportToADriveThatDoesNotExistIsAnExportErrorPerImageAndTheRestAreWritten()
        {
            using var ps = Session();
            string good = Path.Combine(Work, "out");
            Directory.CreateDirectory(good);
            var written = ps.Run("$images = ConvertTo-VisionImage -LiteralPath $args[0], $args[1]; $images | Export-VisionImage -Path 'nosuchdrive:\\x.jpg'; $images | Export-VisionImage -Path $args[2]",
                Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("gif_static_smile_48.gif"), good);
            Assert.Equal(2, ps.Errors.Count);
            Assert.All(ps.Errors, e => AssertVisionPSError(e, "ImageExportFailed", "nosuchdrive:"));
            Assert.Equal(2, written.Count);
        }

        [Fact]
        public void ACachePathThatIsAFileDoesNotStopAnswersAndSaysWhichFolder()
        {
            using var ps = Session();
            // Set-VisionDefault refuses a file (InvalidFolderSetting); the folder it took can be a file by the time it is used.
            string file = Path.Combine(Work, "not-a-folder.txt");
            ps.Run("Set-VisionDefault -CachePath $args[0]", file);
            Assert.Empty(ps.Errors);
            AFile();
            var answers = ps.Run("Send-VisionChat 'x' -Image $args[0], $args[1] -PerImage", Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("gif_static_smile_48.gif"));
            Assert.Equal(2, answers.Count);
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Warnings, w => w.Contains(file, StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("Get-VisionCache")]
        [InlineData("Clear-VisionCache -Confirm:$false")]
        public void ACacheCmdletOnACachePathThatIsAFileNamesIt(string script)
        {
            using var ps = Session();
            string file = AFile();
            ps.Run("Set-VisionDefault -CachePath $args[0]", Path.Combine(file, "sub"));
            Assert.Empty(ps.Errors);
            try
            {
                ps.Run(script);
                Assert.All(ps.Errors, e => AssertVisionPSError(e, "CacheUnavailable", file));
            }
            catch (RuntimeException ex)
            {
                AssertVisionPSError(ex.ErrorRecord, "CacheUnavailable", file);
            }
        }

        [Theory]
        [InlineData("Set-VisionDefault -CachePath 'nosuchdrive:\\cache'", "-CachePath")]
        [InlineData("Set-VisionDefault -BatchPath 'nosuchdrive:\\batches'", "-BatchPath")]
        public void AFolderSettingOnADriveThatDoesNotExistIsAVisionPSError(string script, string parameter)
        {
            using var ps = Session();
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Run("$ErrorActionPreference = 'Stop'; " + script));
            AssertVisionPSError(error.ErrorRecord, "InvalidFolderSetting", "nosuchdrive:");
            Assert.Contains(parameter, error.ErrorRecord.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void AProxyThatIsNotHttpIsAVisionPSErrorNamingIt()
        {
            using var ps = Session();
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Run("$ErrorActionPreference = 'Stop'; Set-VisionDefault -Proxy 'ftp://proxy.example:21'"));
            AssertVisionPSError(error.ErrorRecord, "InvalidProxy", "ftp://proxy.example:21");
        }

        [Fact]
        public void StartVisionBatchWithABatchPathThatIsAFileSubmitsAndNamesTheFolder()
        {
            using var ps = Session();
            string file = AFile();
            ps.Run("Set-VisionDefault -BatchPath $args[0]", Path.Combine(file, "sub"));
            Assert.Empty(ps.Errors);
            var batches = ps.Run("Start-VisionBatch 'x' -Image $args[0], $args[1] -Detail Low", Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("gif_static_smile_48.gif"));
            Assert.True(batches.Count == 1, string.Join(" | ", ps.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            AssertVisionPSError(Assert.Single(ps.Errors), "BatchRecordFailed", file);
        }

        [Fact]
        public void GetVisionBatchLocalWithABatchPathThatIsAFileNamesIt()
        {
            using var ps = Session();
            // Set-VisionDefault refuses a file (InvalidFolderSetting); the folder it took can be a file by the time it is used.
            string file = Path.Combine(Work, "not-a-folder.txt");
            ps.Run("Set-VisionDefault -BatchPath $args[0]", file);
            Assert.Empty(ps.Errors);
            AFile();
            ps.Run("Get-VisionBatch -Local");
            Assert.Empty(ps.Errors);
            ps.Run("Get-VisionBatch -Id batch_abc -Local");
            AssertVisionPSError(Assert.Single(ps.Errors), "BatchRecordNotFound", "batch_abc");
        }
    }
}
