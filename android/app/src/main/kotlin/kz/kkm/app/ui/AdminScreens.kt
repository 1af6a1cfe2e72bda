package kz.kkm.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kz.kkm.app.logic.AdminModels
import kz.kkm.app.logic.CatalogueModel
import kz.kkm.app.logic.KkmSettingsModel
import kz.kkm.app.logic.OperatorsModel
import kz.kkm.app.logic.Screen
import kz.kkm.app.logic.SessionModel
import kz.kkm.app.logic.Times
import kz.kkm.core.OperatorRole
import kz.kkm.core.Product
import kz.kkm.sdk.Tenge

@Composable
fun AdminLoginScreen(session: SessionModel) {
    Column {
        PinPadView("PIN администратора") { session.openAdmin(it) }
        TextButton(onClick = { session.closeAdmin() }) { Text("Назад") }
    }
}

/** The admin screens for shops without a desktop: operators, catalogue, the KKM. */
@Composable
fun AdminScreens(session: SessionModel, admin: AdminModels, screen: Screen) {
    Column(Modifier.padding(8.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            TextButton(onClick = { session.go(Screen.OPERATORS) }) { Text("Операторы") }
            TextButton(onClick = { session.go(Screen.CATALOGUE) }) { Text("Товары") }
            TextButton(onClick = { session.go(Screen.KKM_SETTINGS) }) { Text("Касса") }
            TextButton(onClick = { session.closeAdmin() }) { Text("Выйти") }
        }
        when (screen) {
            Screen.CATALOGUE -> CatalogueScreen(admin.catalogue)
            Screen.KKM_SETTINGS -> KkmSettingsScreen(admin.kkm)
            else -> OperatorsScreen(admin.operators)
        }
    }
}

@Composable
fun OperatorsScreen(model: OperatorsModel) {
    val s by model.state.collectAsStateWithLifecycle()
    val status by model.status.collectAsStateWithLifecycle()
    var name by remember { mutableStateOf("") }
    var pin by remember { mutableStateOf("") }
    var role by remember { mutableStateOf(OperatorRole.CASHIER) }
    var bound by remember { mutableStateOf(setOf<Long>()) }
    LaunchedEffect(Unit) { model.load() }
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        StatusLine(status)
        LazyColumn(Modifier.weight(1f)) {
            items(s.operators, key = { it.id }) { o ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text("${o.name} · ${OperatorsModel.roleName(o.role)} · кассы ${o.kkmOfdIds.joinToString()}")
                    TextButton(onClick = { model.delete(o.id) }) { Text("✕") }
                }
            }
        }
        Text("Новый оператор", style = MaterialTheme.typography.titleMedium)
        OutlinedTextField(name, { name = it }, label = { Text("ФИО") })
        PinField(pin, { pin = it }, "PIN")
        Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            OperatorRole.values().forEach { r ->
                OutlinedButton(onClick = { role = r }) { Text((if (r == role) "● " else "") + OperatorsModel.roleName(r)) }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            s.kkms.forEach { k ->
                val on = k.kkmOfdId in bound
                OutlinedButton(onClick = { bound = if (on) bound - k.kkmOfdId else bound + k.kkmOfdId }) {
                    Text((if (on) "✓ " else "") + (k.name ?: k.kkmOfdId.toString()))
                }
            }
        }
        Button(enabled = !status.busy, onClick = { model.save(null, name, pin, role, bound.toList()) }) { Text("Сохранить") }
    }
}

@Composable
fun CatalogueScreen(model: CatalogueModel) {
    val s by model.state.collectAsStateWithLifecycle()
    val status by model.status.collectAsStateWithLifecycle()
    var csv by remember { mutableStateOf("") }
    var edit by remember { mutableStateOf<Product?>(null) }
    LaunchedEffect(Unit) { model.load() }
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        StatusLine(status)
        s.imported?.let { Text("Загружено товаров: $it") }
        LazyColumn(Modifier.weight(1f)) {
            items(s.products, key = { it.code }) { p ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    TextButton(onClick = { edit = p }) { Text("${p.code} ${p.name} ${p.barcode}") }
                    Text(Tenge.format(p.priceTiyn))
                    TextButton(onClick = { model.deleteProduct(p.code) }) { Text("✕") }
                }
            }
            items(s.bundles, key = { "b" + it.code }) { b ->
                Text("Комплект ${b.code} ${b.name}: " + b.items.joinToString { "${it.productCode}×${kz.kkm.sdk.Quantity.format(it.quantityMilli)}" })
            }
        }
        edit?.let { p -> ProductForm(p) { model.saveProduct(it); edit = null } }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedButton(onClick = { edit = Product(0, "1", "", "", 0, 0, 0, 12_000, false) }) { Text("Новый товар") }
            OutlinedButton(onClick = { model.exportCsv() }) { Text("Выгрузить CSV") }
        }
        s.exported?.let { Text(String(it).take(500)) }
        // Import: the CSV pasted or opened (a file picker is the activity's: not done here).
        OutlinedTextField(csv, { csv = it }, label = { Text("CSV (Код, Код группы, Баркод, Наименование, Цена, Скидка, НДС)") })
        Button(enabled = csv.isNotBlank() && !status.busy, onClick = { model.importCsv(csv.toByteArray()) }) { Text("Загрузить CSV") }
    }
}

@Composable
fun ProductForm(p: Product, onSave: (Product) -> Unit) {
    var code by remember(p) { mutableStateOf(p.code.toString()) }
    var name by remember(p) { mutableStateOf(p.name) }
    var barcode by remember(p) { mutableStateOf(p.barcode) }
    var group by remember(p) { mutableStateOf(p.groupCode) }
    var price by remember(p) { mutableStateOf(Tenge.format(p.priceTiyn)) }
    var editable by remember(p) { mutableStateOf(p.editablePrice) }
    Column {
        OutlinedTextField(code, { code = it }, label = { Text("Код") })
        OutlinedTextField(name, { name = it }, label = { Text("Наименование") })
        OutlinedTextField(barcode, { barcode = it }, label = { Text("Штрихкод") })
        OutlinedTextField(group, { group = it }, label = { Text("Группа (секция)") })
        OutlinedTextField(price, { price = it }, label = { Text("Цена") })
        OutlinedButton(onClick = { editable = !editable }) { Text((if (editable) "✓ " else "") + "Цена меняется на кассе") }
        Button(onClick = {
            val c = code.toLongOrNull()
            val t = Tenge.parse(price)
            if (c != null && t != null) onSave(p.copy(code = c, name = name, barcode = barcode, groupCode = group, priceTiyn = t, editablePrice = editable))
        }) { Text("Сохранить") }
    }
}

@Composable
fun KkmSettingsScreen(model: KkmSettingsModel) {
    val s by model.state.collectAsStateWithLifecycle()
    val status by model.status.collectAsStateWithLifecycle()
    var token by remember { mutableStateOf("") }
    var name by remember { mutableStateOf("") }
    LaunchedEffect(Unit) { model.load() }
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        StatusLine(status)
        s.info?.let { i ->
            Text("Касса ${i.kkmOfdId} «${i.name ?: ""}»", style = MaterialTheme.typography.titleMedium)
            Text("РНМ ${i.registrationNumber ?: "—"} · ЗНМ ${i.factoryNumber ?: "—"}")
            Text("${i.taxpayerName ?: ""} · ИИН/БИН ${i.taxpayerIinBin ?: "—"}")
            Text(i.address ?: "")
        }
        OutlinedTextField(name, { name = it }, label = { Text("Название") })
        Button(onClick = { model.rename(name) }) { Text("Переименовать") }
        OutlinedTextField(token, { token = it }, label = { Text("Новый токен ОФД") })
        Button(onClick = { token.toLongOrNull()?.let(model::changeToken) }) { Text("Сменить токен") }
        Text("Часовой пояс: ${Times.label(s.utcOffsetSecs)}")
        Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            listOf(5L, 6L).forEach { h ->
                OutlinedButton(onClick = { model.setTimeZone(h * 3600) }) { Text(Times.label(h * 3600)) }
            }
        }
        if (s.reopenNeeded) Text("Часовой пояс применится после перезапуска приложения")
    }
}
