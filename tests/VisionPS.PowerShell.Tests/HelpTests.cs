using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Get-Help of every exported cmdlet, as the hosted engine reads the MAML the build generated from the XML docs.
    /// </summary>
    public class HelpTests
    {
        private static readonly HashSet<string> s_commonParameters =
            new HashSet<string>(Cmdlet.CommonParameters, StringComparer.OrdinalIgnoreCase);

        public static IEnumerable<object[]> ExportedCmdlets()
        {
            ScriptBlockAst ast = Parser.ParseFile(Paths.Manifest, out _, out _);
            var table = (Hashtable)((HashtableAst)ast.Find(a => a is HashtableAst, false)!).SafeGetValue();
            return ((object[])table["CmdletsToExport"]!).Cast<string>().Select(name => new object[] { name });
        }

        private static string Text(object? value) => value switch
        {
            null => string.Empty,
            string s => s,
            PSObject { BaseObject: string s } => s,
            PSObject o when o.Properties["Text"] != null => Text(o.Properties["Text"].Value),
            PSObject { BaseObject: IEnumerable e } => string.Join("\n", e.Cast<object?>().Select(Text)),
            IEnumerable e => string.Join("\n", e.Cast<object?>().Select(Text)),
            _ => value.ToString() ?? string.Empty,
        };

        private static object? Get(PSObject o, string property) => o.Properties[property]?.Value;

        private static IEnumerable<PSObject> All(object? value) => value switch
        {
            null => Enumerable.Empty<PSObject>(),
            PSObject { BaseObject: object[] items } => items.Select(PSObject.AsPSObject),
            object[] items => items.Select(PSObject.AsPSObject),
            _ => new[] { PSObject.AsPSObject(value) },
        };

        [Theory]
        [MemberData(nameof(ExportedCmdlets))]
        public void GetHelpFullHasSynopsisDescriptionEveryParameterAndTwoExamples(string name)
        {
            using var ps = new PowerShellSession();
            var cmdlet = ps.Run<CmdletInfo>("Get-Command -Name $args[0] -CommandType Cmdlet", name).Single();
            PSObject help = ps.Run("Get-Help -Name $args[0] -Full", name).Single();
            Assert.Empty(ps.Errors);

            string synopsis = Text(Get(help, "Synopsis")).Trim();
            Assert.False(synopsis.Length == 0, $"{name}: empty synopsis");
            // Without a help file, Get-Help makes the synopsis from the syntax, which starts with the name.
            Assert.False(synopsis.StartsWith(name, StringComparison.OrdinalIgnoreCase), $"{name}: synopsis is the generated syntax: {synopsis}");

            Assert.False(Text(Get(help, "description")).Trim().Length == 0, $"{name}: no description");

            var described = All(Get(PSObject.AsPSObject(Get(help, "parameters")!), "parameter"))
                .ToDictionary(p => Text(Get(p, "name")), p => Text(Get(p, "description")).Trim(), StringComparer.OrdinalIgnoreCase);
            foreach (string parameter in cmdlet.Parameters.Keys.Where(p => !s_commonParameters.Contains(p)))
            {
                Assert.True(described.TryGetValue(parameter, out string? text), $"{name}: -{parameter} is not in the help");
                Assert.False(string.IsNullOrWhiteSpace(text), $"{name}: -{parameter} has no description");
            }

            var examples = All(Get(PSObject.AsPSObject(Get(help, "examples")!), "example")).ToList();
            Assert.True(examples.Count >= 2, $"{name}: {examples.Count} example(s)");
            foreach (PSObject example in examples)
            {
                Assert.False(Text(Get(example, "code")).Trim().Length == 0, $"{name}: an example has no code");
                Assert.False(Text(Get(example, "remarks")).Trim().Length == 0, $"{name}: an example has no explanation");
            }
        }

        [Theory]
        [MemberData(nameof(ExportedCmdlets))]
        public void HelpFileIsInTheManifestFoldersEnUsWhereGetHelpLooks(string name)
        {
            using var ps = new PowerShellSession();
            var cmdlet = ps.Run<CmdletInfo>("Get-Command -Name $args[0] -CommandType Cmdlet", name).Single();
            // ModuleBase is the manifest's folder on PowerShell 7 and Windows PowerShell 5.1 alike.
            Assert.Equal(Paths.Root, cmdlet.Module.ModuleBase);
            string file = Path.Combine(cmdlet.Module.ModuleBase, "en-US", cmdlet.HelpFile);
            Assert.True(File.Exists(file), file + " is missing: the build generates it (src/Help.targets)");
            Assert.Contains($"<command:name>{name}</command:name>", File.ReadAllText(file));
        }

        [Fact]
        public void HelpIsStillFoundAfterTheModuleIsImportedAgain()
        {
            using var ps = new PowerShellSession();
            ps.Run("Import-Module -Name $args[0] -Force; Remove-Module VisionPS; Import-Module -Name $args[0]", Paths.Manifest);
            string synopsis = ps.Run<string>("(Get-Help Get-VisionImageInfo).Synopsis").Single();
            Assert.StartsWith("Reads the format, size and EXIF orientation", synopsis);
        }

        [Fact]
        public void ParameterHelpCarriesPowerShellsOwnMetadata()
        {
            using var ps = new PowerShellSession();
            PSObject literal = ps.Run("Get-Help Get-VisionImageInfo -Parameter LiteralPath").Single();
            Assert.Equal("true", Text(Get(literal, "required")));
            Assert.Equal("named", Text(Get(literal, "position")));
            Assert.Equal("True (ByPropertyName)", Text(Get(literal, "pipelineInput")));
            Assert.Equal("PSPath, LP, FullName", Text(Get(literal, "aliases")));
            Assert.Equal("false", Text(Get(literal, "globbing")));

            PSObject path = ps.Run("Get-Help Get-VisionImageInfo -Parameter Path").Single();
            Assert.Equal("0", Text(Get(path, "position")));
            Assert.Equal("True (ByValue, ByPropertyName)", Text(Get(path, "pipelineInput")));
            Assert.Equal("true", Text(Get(path, "globbing")));

            PSObject help = ps.Run("Get-Help Get-VisionImageInfo -Full").Single();
            var syntax = All(Get(PSObject.AsPSObject(Get(help, "syntax")!), "syntaxItem")).ToList();
            Assert.Equal(2, syntax.Count);
            string outputs = Text(Get(PSObject.AsPSObject(Get(PSObject.AsPSObject(Get(help, "returnValues")!), "returnValue")!), "type"));
            Assert.Contains("VisionPS.VisionImageInfo", outputs);
        }
    
        [Theory]
        [InlineData("Send-VisionChat", "MaxRetries", "3, or Set-VisionDefault -MaxRetries")]
        [InlineData("Send-VisionChat", "TimeoutSec", "120, or Set-VisionDefault -TimeoutSec")]
        [InlineData("Send-VisionChat", "Temperature", "None: the service's default")]
        [InlineData("Send-VisionChat", "MaxTokens", "None: the model's own limit")]
        [InlineData("Send-VisionChat", "Model", "Set-VisionDefault -Model, else gpt-4.1-mini")]
        [InlineData("Get-VisionImageInfo", "Model", "Set-VisionDefault -Model, else gpt-4.1-mini")]
        [InlineData("Start-VisionBatch", "Temperature", "None: the service's default")]
        [InlineData("Wait-VisionBatch", "Timeout", "None: no limit")]
        [InlineData("Wait-VisionBatch", "MaxRetries", "3, or Set-VisionDefault -MaxRetries")]
        [InlineData("Set-VisionDefault", "MaxRetries", "None: unchanged (built in: 3)")]
        [InlineData("Add-VisionFile", "ExpiresAfter", "None: never")]
        public void ParameterHelpShowsTheRealDefault(string command, string parameter, string expected)
        {
            using var ps = new PowerShellSession();
            PSObject help = ps.Run($"Get-Help {command} -Parameter {parameter}").Single();
            Assert.Equal(expected, Text(Get(help, "defaultValue")));
        }

        [Theory]
        [InlineData("Send-VisionChat")]
        [InlineData("Start-VisionBatch")]
        [InlineData("Add-VisionFile")]
        [InlineData("Add-AssistantImage")]
        public void ImageParametersSayTheyTakeWildcards(string command)
        {
            using var ps = new PowerShellSession();
            Assert.Equal("true", Text(Get(ps.Run($"Get-Help {command} -Parameter Image").Single(), "globbing")));
            Assert.Equal("true", Text(Get(ps.Run($"Get-Help {command} -Parameter InputObject").Single(), "globbing")));
        }
    }
}
