using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Issue 16: objects that chain (images bind by property name, the module's own objects are images), results that
    /// export without losing their file, and relative paths that are PowerShell paths. The same flows run in real
    /// `pwsh -NonInteractive` in tests/PowerShellCitizen.Tests.ps1 (with Import-Csv/Export-Csv, not in this engine).
    /// </summary>
    public sealed class PowerShellCitizenTests : LocalEndpointTests
    {
        public PowerShellCitizenTests()
            : base("sk-visionps-citizen-NEVER-PRINT-41aa", "citizen")
        {
        }

        private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

        private static readonly string[] Photos = { "jpg_gray_cat_512.jpg", "jpg_storm_1920x1280.jpg" };

        [Theory]
        [InlineData("Path")]
        [InlineData("FullName")]
        [InlineData("LiteralPath")]
        public void AnObjectWithAPathPropertyBindsToEveryImageCmdlet(string property)
        {
            using var ps = Session();
            string file = Paths.CorpusFile(Photos[0]);
            string make = $"[pscustomobject]@{{ {property} = $args[0] }}";
            Assert.Equal(file, Prop<string>(ps.Run($"{make} | Get-VisionImageInfo", file).Single(), "Path"));
            Assert.Empty(ps.Errors);
            Assert.Equal(file, Prop<string>(ps.Run($"{make} | ConvertTo-VisionImage", file).Single(), "Path"));
            Assert.Empty(ps.Errors);
            Assert.Equal(file, Prop<string>(ps.Run($"{make} | Send-VisionChat 'Describe.' -NoCache", file).Single(), "ImagePath"));
            Assert.Empty(ps.Errors);
        }

        [Fact]
        public void TheModulesOwnInfoAndImageObjectsAreImages()
        {
            using var ps = Session();
            string file = Paths.CorpusFile(Photos[0]);
            PSObject info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", file).Single();
            Assert.Equal(file, Prop<string>(ps.Run("$args[0] | Send-VisionChat 'Describe.' -NoCache", info).Single(), "ImagePath"));
            Assert.Equal(file, Prop<string>(ps.Run("$args[0] | ConvertTo-VisionImage", info).Single(), "Path"));
            PSObject image = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", file).Single();
            Assert.Equal(Photos[0], Prop<string>(ps.Run("$args[0] | Get-VisionImageInfo", image).Single(), "Name"));
            Assert.Empty(ps.Errors);
        }

        [Fact]
        public void APathWithBracketsFromAnObjectIsThatFile()
        {
            using var ps = Session();
            string file = Path.Combine(Work, "photo[1].jpg");
            File.Copy(Paths.CorpusFile(Photos[0]), file);
            PSObject info = ps.Run("[pscustomobject]@{ Path = $args[0] } | Get-VisionImageInfo", file).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal(file, Prop<string>(info, "Path"));
        }

        [Fact]
        public void AResultCarriesItsFilesAsPlainStringsJoinedWhenSeveral()
        {
            using var ps = Session();
            string[] files = Photos.Select(Paths.CorpusFile).ToArray();
            PSObject r = ps.Run("Send-VisionChat 'Compare.' -Image $args -NoCache", files.Cast<object>().ToArray()).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal(string.Join("; ", files), Prop<string>(r, "ImagePath"));
            Assert.Equal(string.Join("; ", Photos), Prop<string>(r, "ImageName"));
            Assert.Equal(2, Prop<int>(r, "ImageCount"));
            // What Export-Csv writes for the list properties: every item, not "System.String[]".
            Assert.Equal(string.Join("; ", files), ps.Run("[string]$args[0].ImageSources.ToString()", r).Single().BaseObject);
            string hashes = (string)ps.Run("$args[0].ImageSha256.ToString()", r).Single().BaseObject;
            Assert.Matches("^[0-9a-f]{64}; [0-9a-f]{64}$", hashes);
            Assert.False(Prop<bool>(r, "FromCache"));
            Assert.Null(Prop<string?>(r, "Json"));
        }

        [Fact]
        public void AJsonSchemaAnswerIsAnObjectAndOneLineOfJsonAndReadsAsJson()
        {
            using var ps = Session();
            PSObject r = ps.Run("Send-VisionChat 'Read it.' -Image $args[0] -NoCache -JsonSchema @{ type = 'object'; properties = [ordered]@{ api = @{ type = 'string' }; prompt = @{ type = 'string' } }; required = 'api', 'prompt'; additionalProperties = $false }",
                Paths.CorpusFile(Photos[0])).Single();
            Assert.Empty(ps.Errors);
            string json = Prop<string>(r, "Json");
            Assert.DoesNotContain("\n", json);
            Assert.StartsWith("{\"api\":\"chat\",", json);
            // "$($r.Object)" (and Export-Csv) read the parsed object as its JSON, not as "@{prompt=...}".
            Assert.Equal(json, ps.Run("\"$($args[0].Object)\"", r).Single().BaseObject);
            Assert.Equal("Read it.", ps.Run("$args[0].Object.prompt", r).Single().BaseObject);
        }

        [Fact]
        public void VisionImageSaveResolvesARelativePathAgainstThePowerShellLocation()
        {
            using var ps = Session();
            string folder = Path.Combine(Work, "saved");
            Directory.CreateDirectory(folder);
            string written = (string)ps.Run(
                "$i = ConvertTo-VisionImage -LiteralPath $args[0]; $ExecutionContext.SessionState.Path.SetLocation($args[1]) | Out-Null; $i.Save('cat.jpg')",
                Paths.CorpusFile(Photos[0]), folder).Single().BaseObject;
            Assert.Empty(ps.Errors);
            Assert.Equal(Path.Combine(folder, "cat.jpg"), written);
            Assert.True(File.Exists(written));
            Assert.NotEqual(folder, Environment.CurrentDirectory);
        }
    
        [Fact]
        public void WithoutModelEveryCmdletEstimatesForTheModelThatWouldBeSentAndSaysWhich()
        {
            using var ps = Session();
            string file = Paths.CorpusFile("jpg_storm_1920x1280.jpg");
            PSObject info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0] -Verbose", file).Single();
            Assert.Contains(ps.Verbose, v => v.Contains("No -Model given: images are sized and estimated for gpt-4.1-mini, the built-in default", StringComparison.Ordinal));
            PSObject image = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", file).Single();
            PSObject answer = ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -NoCache", file).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("gpt-4.1-mini", Prop<string>(info, "Model"));
            Assert.Equal((1536, 1024), (Prop<int>(info, "TargetWidth"), Prop<int>(info, "TargetHeight")));
            Assert.Equal((1536, 1024), (Prop<int>(image, "Width"), Prop<int>(image, "Height")));
            int estimate = Prop<int>(info, "EstimatedTokens");
            Assert.Equal(estimate, Prop<int?>(image, "EstimatedTokens"));
            Assert.Equal(estimate, Prop<int>(answer, "EstimatedImageTokens"));

            // The session default moves them all together.
            ps.Run("Set-VisionDefault -Model gpt-4o");
            PSObject info4o = ps.Run("Get-VisionImageInfo -LiteralPath $args[0] -Verbose", file).Single();
            Assert.Contains(ps.Verbose, v => v.Contains("for gpt-4o, the session default", StringComparison.Ordinal));
            PSObject image4o = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", file).Single();
            Assert.Equal("gpt-4o", Prop<string>(info4o, "Model"));
            Assert.Equal(Prop<int>(info4o, "EstimatedTokens"), Prop<int?>(image4o, "EstimatedTokens"));
            Assert.NotEqual(estimate, Prop<int>(info4o, "EstimatedTokens"));
        }

        [Fact]
        public void ThirtyFilesSixteenAtATimeAgainstTwoRequestsASecondAreAllAnsweredWithTheDefaultRetries()
        {
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -BaseUri $args[0] -ApiKey ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -CachePath $args[2]",
                Host.BaseUri, Key, Path.Combine(Work, "cache"));
            string spec = "fault:rate=2:" + Guid.NewGuid().ToString("N");
            object[] files = Enumerable.Range(0, 30).Select(i => (object)Paths.CorpusFile(i % 2 == 0 ? "gif_static_smile_48.gif" : "jpg_gray_cat_512.jpg")).ToArray();
            int refusedBefore = Host.State.RateLimited;

            var results = ps.Run("$args[0] | Send-VisionChat 'Paced.' -PerImage -ThrottleLimit 16 -NoCache -Model $args[1] -Verbose", files, spec);

            Assert.Empty(ps.Errors);
            Assert.Equal(30, results.Count);
            // Measured with the old rule (every 429 used up one of the 3 retries): several ChatRequestFailed errors.
            Assert.True(Host.State.RateLimited - refusedBefore > 30, "fewer refusals than requests: the rate limit was not exercised");
            Assert.Contains(ps.Verbose, v => v.Contains("these retries do not use up -MaxRetries", StringComparison.Ordinal));
        }
    
        [Fact]
        public void ApiKeyTakesAPlainStringAsWellAsASecureString()
        {
            using var ps = new PowerShellSession();
            PSObject defaults = ps.Run("Set-VisionDefault -Reset -BaseUri $args[0] -ApiKey $args[1] -CachePath $args[2] -PassThru",
                Host.BaseUri, Key, Path.Combine(Work, "cache")).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("Session", Prop<string>(defaults, "ApiKeySource"));
            PSObject answer = ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -NoCache", Paths.CorpusFile(Photos[0])).Single();
            Assert.Empty(ps.Errors); // the endpoint refuses a wrong key with 401
            Assert.Equal("stop", Prop<string>(answer, "FinishReason"));

            // A cmdlet's own -ApiKey takes a string too, and a wrong one is refused by the service, not by binding.
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -NoCache -ApiKey 'sk-wrong-key' -MaxRetries 0", Paths.CorpusFile(Photos[0]));
            ErrorRecord refused = Assert.Single(ps.Errors);
            Assert.StartsWith("ChatRequestFailed", refused.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("401", refused.ToString() + refused.Exception.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("Send-VisionChat 'x' -Image $args[0] -BaseUri 'localhost:11434/v1'")]
        [InlineData("Set-VisionDefault -BaseUri 'localhost:11434/v1'")]
        public void ASchemeLessBaseUriIsAVisionPSErrorNamingTheFix(string script)
        {
            using var ps = Session();
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Run("$ErrorActionPreference = 'Stop'; " + script, Paths.CorpusFile(Photos[0])));
            Assert.StartsWith("InvalidBaseUri", error.ErrorRecord.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("absolute http(s) URI such as https://api.openai.com/v1", error.ErrorRecord.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void ABadJsonSchemaSaysSoInTheModulesWords()
        {
            using var ps = Session();
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Run("$ErrorActionPreference = 'Stop'; Send-VisionChat 'x' -Image $args[0] -JsonSchema '{name: 1}'", Paths.CorpusFile(Photos[0])));
            Assert.StartsWith("InvalidJsonSchema", error.ErrorRecord.FullyQualifiedErrorId, StringComparison.Ordinal);
            string text = error.ErrorRecord.ToString();
            Assert.StartsWith("-JsonSchema is not valid JSON at line 1, position 2.", text, StringComparison.Ordinal);
            Assert.Contains("Pass a hashtable", text, StringComparison.Ordinal);
            Assert.DoesNotContain("LineNumber", text, StringComparison.Ordinal);
        }

        [Fact]
        public void AnEmptyFileGetsTheSameIdInEveryCmdlet()
        {
            using var ps = Session();
            string empty = Path.Combine(Work, "empty.jpg");
            File.WriteAllBytes(empty, Array.Empty<byte>());
            var ids = new[]
            {
                "Get-VisionImageInfo -LiteralPath $args[0]",
                "ConvertTo-VisionImage -LiteralPath $args[0]",
                "Send-VisionChat 'x' -Image $args[0] -PerImage -NoCache",
            }.Select(script =>
            {
                ps.Run(script, empty);
                return Assert.Single(ps.Errors).FullyQualifiedErrorId.Split(',')[0];
            }).ToList();
            Assert.All(ids, id => Assert.Equal("UnsupportedImageFormat", id));
        }

        [Fact]
        public void TheTooLargeAdviceNamesNothingAUserCannotSet()
        {
            using var ps = Session();
            ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", Path.Combine(Paths.Corpus, "bad", "bomb_header_100000x100000.png"));
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ImageTooLarge", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.DoesNotContain("PrepareOptions", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("bomb_header_100000x100000.png", error.ToString(), StringComparison.Ordinal);
        }
    
        [Theory]
        [InlineData("$args | Send-VisionChat 'All of them.' -NoCache", "Send-VisionChat: preparing images")]
        [InlineData("$args | Send-VisionChat 'All of them.' -NoCache", "Send-VisionChat")]
        [InlineData("$args | Start-VisionBatch 'Read.' -Detail Low", "Start-VisionBatch: preparing images")]
        [InlineData("$args | Add-VisionFile", "Add-VisionFile: preparing and uploading images")]
        public void CmdletsThatCanRunForSecondsWriteProgressAndCompleteIt(string script, string activity)
        {
            using var session = Session();
            session.Run("Set-VisionDefault -BatchPath $args[0]", Path.Combine(Work, "batches"));
            using System.Management.Automation.PowerShell ps = session.CreateShell();
            ps.AddScript(script);
            foreach (string f in Photos.Concat(new[] { "gif_static_smile_48.gif" }))
            {
                ps.AddArgument(Paths.CorpusFile(f));
            }
            ps.Invoke();
            Assert.Empty(ps.Streams.Error);
            var records = ps.Streams.Progress.Where(p => p.Activity == activity).ToList();
            Assert.NotEmpty(records);
            Assert.Equal(ProgressRecordType.Completed, records.Last().RecordType);
        }
    
        [Fact]
        public void ASessionDetailIsUsedByEveryCmdletUnlessDetailIsGiven()
        {
            using var ps = Session();
            string file = Paths.CorpusFile("jpg_storm_1920x1280.jpg");
            ps.Run("Set-VisionDefault -Detail Low -Model gpt-4o");
            PSObject info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", file).Single();
            PSObject image = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", file).Single();
            PSObject high = ps.Run("Get-VisionImageInfo -LiteralPath $args[0] -Detail High", file).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("Low", info.Properties["Detail"].Value.ToString());
            Assert.Equal(85, Prop<int>(info, "EstimatedTokens")); // gpt-4o low detail: 85 tokens, whatever the size
            Assert.Equal("Low", image.Properties["Detail"].Value.ToString());
            Assert.Equal(85, Prop<int?>(image, "EstimatedTokens"));
            Assert.Equal("High", high.Properties["Detail"].Value.ToString());
            Assert.True(Prop<int>(high, "EstimatedTokens") > 85);
            Assert.Contains("Detail: Session", (string)ps.Run("(Get-VisionDefault).Sources.ToString()").Single().BaseObject, StringComparison.Ordinal);
        }
    }
}
