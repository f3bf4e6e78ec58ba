using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public class ModuleSurfaceTests
    {
        private static Hashtable Manifest()
        {
            ScriptBlockAst ast = Parser.ParseFile(Paths.Manifest, out _, out ParseError[] errors);
            Assert.Empty(errors);
            var table = (HashtableAst)ast.Find(a => a is HashtableAst, false)!;
            return (Hashtable)table.SafeGetValue();
        }

        private static string[] ManifestCmdlets() =>
            ((object[])Manifest()["CmdletsToExport"]!).Cast<string>().OrderBy(n => n, StringComparer.Ordinal).ToArray();

        [Fact]
        public void ImportThroughManifestLoadsTheBuiltModuleWithTheManifestVersion()
        {
            using var ps = new PowerShellSession(importModule: false);
            var module = ps.Run<PSModuleInfo>("Import-Module -Name $args[0] -PassThru -ErrorAction Stop", Paths.Manifest).Single();
            Assert.Equal("VisionPS", module.Name);
            Assert.Equal(new Version((string)Manifest()["ModuleVersion"]!), module.Version);
            // The cmdlet assembly carries the same version: the manifest is the one version source.
            var asm = ps.Run<Assembly>("[VisionPS.Loader.ModuleLoader]::Initialize()").Single();
            Assert.Equal(module.Version.ToString(3), asm.GetName().Version!.ToString(3));
        }

        [Fact]
        public void ExportedCommandsEqualCmdletsToExportAndEveryCmdletInTheAssembly()
        {
            using var ps = new PowerShellSession();
            string[] exported = ps.Run<CommandInfo>("Get-Command -Module VisionPS").Select(c => c.Name)
                .OrderBy(n => n, StringComparer.Ordinal).ToArray();
            var asm = ps.Run<Assembly>("[VisionPS.Loader.ModuleLoader]::Initialize()").Single();
            string[] inAssembly = asm.GetTypes()
                .Select(t => t.GetCustomAttribute<CmdletAttribute>())
                .Where(a => a != null)
                .Select(a => a!.VerbName + "-" + a.NounName)
                .OrderBy(n => n, StringComparer.Ordinal).ToArray();

            Assert.NotEmpty(exported);
            Assert.Equal(ManifestCmdlets(), exported);
            // A cmdlet compiled into VisionPS.dll but missing from CmdletsToExport would be invisible to users.
            Assert.Equal(ManifestCmdlets(), inAssembly);
        }

        [Fact]
        public void ImportingAgainWithForceOrAfterRemoveModuleKeepsTheCmdlets()
        {
            using var ps = new PowerShellSession();
            foreach (string again in new[] { "Import-Module -Name $args[0] -Force", "Remove-Module VisionPS; Import-Module -Name $args[0]" })
            {
                ps.Run(again, Paths.Manifest);
                Assert.Empty(ps.Errors);
                Assert.Equal(ManifestCmdlets(), ps.Run<CommandInfo>("Get-Command -Module VisionPS").Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal));
                Assert.Single(ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", Paths.CorpusFile("jpg_storm_1920x1280.jpg")));
            }
        }

        [Fact]
        public void EveryCmdletUsesAnApprovedVerbAndDeclaresOutputType()
        {
            string[] approved = typeof(VerbsCommon).Assembly.GetTypes()
                .Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal) && t.IsAbstract && t.IsSealed)
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
                .Select(f => (string)f.GetValue(null)!).ToArray();
            Assert.Contains("Get", approved);

            using var ps = new PowerShellSession();
            var cmdlets = ps.Run<CmdletInfo>("Get-Command -Module VisionPS -CommandType Cmdlet");
            Assert.NotEmpty(cmdlets);
            foreach (CmdletInfo c in cmdlets)
            {
                Assert.Contains(c.Verb, approved);
                Assert.True(c.ImplementingType.GetCustomAttributes<OutputTypeAttribute>().Any(), c.Name + " declares no [OutputType]");
                Assert.NotEmpty(c.OutputType);
            }
        }
    }
}
